package keel_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"keel.dev/client/keel"
)

// The walkthrough tests run against a live Keel (scripts/lib/live-keel.sh starts one). Without one
// they fail: a skipped test would pass in CI without testing anything.
func liveAdmin(t *testing.T) *keel.Client {
	t.Helper()
	url, token := os.Getenv("KEEL_URL"), os.Getenv("KEEL_ADMIN_TOKEN")
	if url == "" || token == "" {
		t.Fatal("KEEL_URL and KEEL_ADMIN_TOKEN must name a live Keel (see clients/go/README.md)")
	}
	admin, err := keel.NewClient(url, token)
	if err != nil {
		t.Fatal(err)
	}
	return admin
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func randomSuffix(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newTenant creates a tenant with a random slug and returns it with a client acting as its owner key.
// The tenant's plan is lifted (plan_id: null): the default free plan allows a burst of 10 calls,
// fewer than one walkthrough makes.
func newTenant(t *testing.T, ctx context.Context, admin *keel.Client) (*keel.CreatedTenantView, *keel.Client) {
	t.Helper()
	slug := "go-" + randomSuffix(t)
	var res keel.Response
	tenant, err := admin.CreateTenant(keel.WithResponse(ctx, &res), keel.CreateTenantRequest{Name: "Acme (Go client)", Slug: slug})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 201 || tenant.Slug != slug || !strings.HasPrefix(tenant.ID, "ten_") {
		t.Fatalf("CreateTenant: %d %+v", res.StatusCode, tenant)
	}
	if res.Header.Get("Location") != "/v1/tenants/"+tenant.ID {
		t.Errorf("CreateTenant Location = %q", res.Header.Get("Location"))
	}
	if !strings.HasPrefix(tenant.ManagementKey.Key, "keel_sk_") {
		t.Fatalf("owner key %q is not a management key", tenant.ManagementKey.Key)
	}

	lifted, err := admin.UpdateTenant(ctx, tenant.ID, keel.UpdateTenantRequest{PlanID: keel.Null[string]()})
	if err != nil {
		t.Fatal(err)
	}
	if lifted.PlanID != nil {
		t.Fatalf("plan_id: null left the plan %q", *lifted.PlanID)
	}
	return tenant, admin.WithToken(tenant.ManagementKey.Key)
}
