package keel_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"keel.dev/client/keel"
)

// README.md "Walkthrough", through the client: a tenant, a client key verified, revoked and verified
// again, a list paged two at a time, and the errors Keel answers.
func TestWalkthrough(t *testing.T) {
	ctx := testContext(t)
	admin := liveAdmin(t)
	_, owner := newTenant(t, ctx, admin)

	// 2. A client key for one of Acme's customers.
	created, err := owner.CreateKey(ctx, keel.CreateKeyRequest{
		Name:    "Customer 42",
		Prefix:  keel.Value("acme_live"),
		OwnerID: keel.Value("cus_42"),
		Scopes:  keel.Value([]string{"invoices:read"}),
		Meta:    keel.Value(map[string]any{"plan": "gold"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Key, "acme_live_") || !strings.HasPrefix(created.ID, "key_") ||
		created.Kind != keel.KeyKindClient || created.Status != keel.KeyStatusActive || created.Prefix != "acme_live" ||
		created.Role != nil || created.RevokedAt != nil || !reflect.DeepEqual(created.Scopes, []string{"invoices:read"}) ||
		created.OwnerID == nil || *created.OwnerID != "cus_42" || created.Meta["plan"] != "gold" {
		t.Fatalf("CreateKey answered %+v", created)
	}

	// 3. Verified as Acme's API would: VALID, with the key's owner, scopes and meta.
	verified, err := owner.VerifyKey(ctx, keel.VerifyKeyRequest{Key: created.Key, Scopes: keel.Value([]string{"invoices:read"})})
	if err != nil {
		t.Fatal(err)
	}
	if !verified.Valid || verified.Code != keel.VerifyCodeValid || verified.KeyID == nil || *verified.KeyID != created.ID ||
		verified.OwnerID == nil || *verified.OwnerID != "cus_42" || verified.Meta["plan"] != "gold" ||
		!reflect.DeepEqual(verified.Scopes, []string{"invoices:read"}) {
		t.Fatalf("VerifyKey answered %+v", verified)
	}
	missingScope, err := owner.VerifyKey(ctx, keel.VerifyKeyRequest{Key: created.Key, Scopes: keel.Value([]string{"invoices:write"})})
	if err != nil {
		t.Fatal(err)
	}
	if missingScope.Valid || missingScope.Code != keel.VerifyCodeForbiddenScope {
		t.Fatalf("VerifyKey with a scope the key lacks answered %+v", missingScope)
	}

	// A change and its undoing: expires_at set, then removed with an explicit null.
	expiry := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	changed, err := owner.UpdateKey(ctx, created.ID, keel.UpdateKeyRequest{ExpiresAt: keel.Value(expiry)})
	if err != nil {
		t.Fatal(err)
	}
	if changed.ExpiresAt == nil || !changed.ExpiresAt.Equal(expiry) || changed.Name != "Customer 42" {
		t.Fatalf("UpdateKey expires_at: answered %+v", changed)
	}
	changed, err = owner.UpdateKey(ctx, created.ID, keel.UpdateKeyRequest{ExpiresAt: keel.Null[time.Time]()})
	if err != nil {
		t.Fatal(err)
	}
	if changed.ExpiresAt != nil {
		t.Fatalf("UpdateKey expires_at: null left %v", changed.ExpiresAt)
	}

	// 4. Revoked (204), then REVOKED at verify.
	var res keel.Response
	if err := owner.RevokeKey(keel.WithResponse(ctx, &res), created.ID); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("RevokeKey answered %d", res.StatusCode)
	}
	revoked, err := owner.VerifyKey(ctx, keel.VerifyKeyRequest{Key: created.Key})
	if err != nil {
		t.Fatal(err)
	}
	if revoked.Valid || revoked.Code != keel.VerifyCodeRevoked {
		t.Fatalf("VerifyKey after revocation answered %+v", revoked)
	}

	// 5. Three more keys, listed two per page, newest first.
	want := []string{}
	for i := 1; i <= 3; i++ {
		k, err := owner.CreateKey(ctx, keel.CreateKeyRequest{Name: fmt.Sprintf("Key %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append([]string{k.ID}, want...)
	}
	want = append(want, created.ID)

	first, err := owner.ListKeys(ctx, &keel.ListKeysParams{Limit: 2, Kind: keel.KeyKindClient})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Data) != 2 || first.NextCursor == nil || first.Data[0].ID != want[0] || first.Data[1].ID != want[1] {
		t.Fatalf("first page: %d keys, next_cursor %v", len(first.Data), first.NextCursor)
	}
	pager := owner.ListKeysPager(ctx, &keel.ListKeysParams{Limit: 2, Kind: keel.KeyKindClient})
	keys, err := pager.All()
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k.ID] {
			t.Fatalf("key %s listed twice", k.ID)
		}
		seen[k.ID] = true
		got = append(got, k.ID)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paged keys %v, want %v (newest first)", got, want)
	}
	if pager.Pages() < 2 {
		t.Fatalf("four keys at two a page came in %d page(s)", pager.Pages())
	}
	if keys[3].Status != keel.KeyStatusRevoked || keys[3].RevokedAt == nil {
		t.Fatalf("the revoked key lists as %s", keys[3].Status)
	}

	// A rotation without a body (the document makes it optional): a successor with a new secret.
	successor, err := owner.RotateKey(ctx, want[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if successor.RotatedFromID == nil || *successor.RotatedFromID != want[0] || successor.Key == "" || successor.Name != "Key 3" {
		t.Fatalf("RotateKey answered %+v", successor)
	}
}

// The errors of the walkthrough: each a *Error with the status and the catalogued code.
func TestWalkthroughErrors(t *testing.T) {
	ctx := testContext(t)
	admin := liveAdmin(t)
	_, owner := newTenant(t, ctx, admin)

	// The catalog needs no credential; the client sends none.
	anonymous := admin.WithToken("")
	catalog, err := anonymous.ListErrors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[keel.ProblemCode]int32{}
	for _, e := range catalog.Data {
		statuses[e.Code] = e.Status
	}
	for code, status := range map[keel.ProblemCode]int32{"validation.invalid_type": 400, "validation.failed": 400, "resource.not_found": 404, "auth.forbidden": 403, "auth.invalid_credentials": 401} {
		if statuses[code] != status {
			t.Fatalf("catalog: %s is %d, want %d", code, statuses[code], status)
		}
	}

	// A body of the wrong JSON type, which the typed methods cannot send: Call sends any.
	err = owner.Call(ctx, http.MethodPost, "/v1/keys", map[string]any{"name": 5}, nil)
	wrongType := wantError(t, err, 400, "validation.invalid_type")
	if len(wrongType.Errors["name"]) == 0 || wrongType.TraceID == "" || wrongType.Type != "/problems/validation.invalid_type" {
		t.Fatalf("wrong type: %+v", wrongType)
	}

	_, err = owner.CreateKey(ctx, keel.CreateKeyRequest{Name: " "})
	invalid := wantError(t, err, 400, "validation.failed")
	if len(invalid.Errors["name"]) == 0 {
		t.Fatalf("validation.failed names no field: %+v", invalid)
	}

	// An unknown id, found through a wrapping error as errors.As would.
	_, err = owner.GetKey(ctx, "key_00000000000000000000000000")
	wantError(t, fmt.Errorf("looking the key up: %w", err), 404, "resource.not_found")
	if !keel.IsCode(err, keel.ProblemCodeResourceNotFound) || keel.IsCode(err, keel.ProblemCodeValidationFailed) {
		t.Fatalf("IsCode on %v", err)
	}

	// A member beyond the standard ones lands in Extensions.
	viewerKey, err := owner.CreateKey(ctx, keel.CreateKeyRequest{Name: "viewer", Kind: keel.Value(keel.KeyKindManagement), Role: keel.Value(keel.KeyRoleViewer)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = owner.WithToken(viewerKey.Key).CreateKey(ctx, keel.CreateKeyRequest{Name: "refused"})
	forbidden := wantError(t, err, 403, "auth.forbidden")
	if string(forbidden.Extensions["missing_permission"]) != `"keys:write"` {
		t.Fatalf("auth.forbidden extensions: %v", forbidden.Extensions)
	}

	_, err = owner.WithToken("keel_sk_not_a_real_key").ListKeys(ctx, nil)
	wantError(t, err, 401, "auth.invalid_credentials")
}

func wantError(t *testing.T, err error, status int, code keel.ProblemCode) *keel.Error {
	t.Helper()
	e, ok := keel.AsError(err)
	if !ok {
		t.Fatalf("want a *keel.Error %d %s, got %v", status, code, err)
	}
	if e.Status != status || e.Code != code || e.Title == "" {
		t.Fatalf("want %d %s, got %v", status, code, e)
	}
	return e
}
