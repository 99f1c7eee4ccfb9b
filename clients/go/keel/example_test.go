package keel_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"keel.dev/client/keel"
)

// The example of README.md, compiled with the tests so that it stays true (it has no Output: it needs a live Keel).
func Example() {
	ctx := context.Background()
	admin, err := keel.NewClient("http://127.0.0.1:5080", os.Getenv("KEEL_ADMIN_TOKEN"))
	if err != nil {
		panic(err)
	}
	tenant, err := admin.CreateTenant(ctx, keel.CreateTenantRequest{Name: "Acme", Slug: "acme"})
	if err != nil {
		panic(err)
	}
	owner := admin.WithToken(tenant.ManagementKey.Key) // the tenant's owner management key
	key, err := owner.CreateKey(ctx, keel.CreateKeyRequest{Name: "Customer 42", Prefix: keel.Value("acme_live")})
	if err != nil {
		panic(err)
	}
	res, err := owner.VerifyKey(ctx, keel.VerifyKeyRequest{Key: key.Key})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Code == keel.VerifyCodeValid) // true
	keys := owner.ListKeysPager(ctx, &keel.ListKeysParams{Limit: 100})
	for keys.Next() {
		fmt.Println(keys.Item().ID)
	}
	_, err = owner.GetKey(ctx, "key_unknown")
	fmt.Println(keel.IsCode(err, keel.ProblemCodeResourceNotFound)) // true
}

// A receiver's handler, as README.md shows it.
func ExampleVerifyWebhook() {
	secret := os.Getenv("KEEL_WEBHOOK_SECRET") // the endpoint's whsec_ secret
	http.HandleFunc("/hooks", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // the raw body: re-encoded JSON does not verify
		if err := keel.VerifyWebhook(r.Header, body, secret); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
