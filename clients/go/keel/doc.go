// Package keel is a client for Keel's HTTP API, with no dependency beyond Go's standard library.
//
// The types and Client methods in models_gen.go and operations_gen.go are generated from Keel's
// OpenAPI document (docs/openapi.json) by tools/Keel.ClientGen; the rest is written by hand:
// the HTTP plumbing (client.go), problem+json errors (errors.go), tri-state fields (nullable.go),
// cursor pagination (pagination.go) and webhook signature checks (webhook.go).
//
//	admin, err := keel.NewClient("http://127.0.0.1:5080", adminToken)
//	tenant, err := admin.CreateTenant(ctx, keel.CreateTenantRequest{Name: "Acme", Slug: "acme"})
//	owner := admin.WithToken(tenant.ManagementKey.Key)
//	res, err := owner.VerifyKey(ctx, keel.VerifyKeyRequest{Key: presented})
package keel
