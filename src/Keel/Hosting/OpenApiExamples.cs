using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Keel.Hosting;

/// <summary>
/// Request and answer examples of the main operations, taken from a real run of the README walkthrough. The
/// linters check each against its schema.
/// </summary>
internal static class OpenApiExamples
{
    sealed record Example(string? Request, string Status, Dictionary<string, string> Answers);

    static readonly Dictionary<string, Example> ByOperation = new(StringComparer.Ordinal)
    {
        ["createTenant"] = new("""{"name": "Acme", "slug": "acme"}""", "201", new()
        {
            ["created"] = """
                {"management_key": {"id": "key_01m92jza6jrzqennxt92a6ypv5", "key": "keel_sk_0BgKbIPYAU7EwlnDhpoe5GjeCdF0HgSTN"},
                 "id": "ten_01m92jz9ya7zam3cygcp198rp3", "name": "Acme", "slug": "acme", "plan_id": "plan_free",
                 "created_at": "2026-12-05T07:51:20.7777841Z", "updated_at": "2026-12-05T07:51:20.7777841Z"}
                """,
        }),
        ["createKey"] = new(
            """{"name": "Customer 42", "prefix": "acme_live", "owner_id": "cus_42", "scopes": ["invoices:read"], "meta": {"plan": "gold"}}""",
            "201", new()
            {
                ["created"] = """
                    {"key": "acme_live_2DDjTtv4fdqm72atW5LYccG2Ln0EyH3mC", "id": "key_01m92jzbkw7r8drq0m4r4brejx", "kind": "client",
                     "name": "Customer 42", "prefix": "acme_live", "start": "acme_live_2DDj", "status": "active", "owner_id": "cus_42",
                     "role": null, "scopes": ["invoices:read"], "meta": {"plan": "gold"}, "expires_at": null,
                     "created_at": "2026-12-05T07:51:22.4839572Z", "updated_at": "2026-12-05T07:51:22.4839572Z", "revoked_at": null,
                     "last_used_at": null, "rotated_to_id": null, "rotated_from_id": null, "plan_id": null, "rate": null, "quota": null,
                     "remaining": null, "refill": null, "rotation": null}
                    """,
            }),
        ["verifyKey"] = new("""{"key": "acme_live_2DDjTtv4fdqm72atW5LYccG2Ln0EyH3mC", "scopes": ["invoices:read"]}""", "200", new()
        {
            ["valid"] = """
                {"valid": true, "code": "VALID", "key_id": "key_01m92jzbkw7r8drq0m4r4brejx", "owner_id": "cus_42",
                 "scopes": ["invoices:read"], "meta": {"plan": "gold"}, "expires_at": null, "ratelimit": null, "quota": null, "remaining": null}
                """,
            ["revoked"] = """
                {"valid": false, "code": "REVOKED", "key_id": "key_01m92jzbkw7r8drq0m4r4brejx", "owner_id": "cus_42",
                 "scopes": ["invoices:read"], "meta": {"plan": "gold"}, "expires_at": null, "ratelimit": null, "quota": null, "remaining": null}
                """,
            ["unknown"] = """
                {"valid": false, "code": "NOT_FOUND", "key_id": null, "owner_id": null, "scopes": null, "meta": null,
                 "expires_at": null, "ratelimit": null, "quota": null, "remaining": null}
                """,
        }),
        ["createEndpoint"] = new("""{"url": "https://hooks.example.com/keel", "event_types": ["invoice.*"]}""", "201", new()
        {
            ["created"] = """
                {"secret": "whsec_/L9UNYR286Oari1PTkcGT/EPgt/XH3ee0UJdV56zb+s=", "id": "ep_01m92jzc72mjs8nxvneqxr135a",
                 "url": "https://hooks.example.com/keel", "description": null, "event_types": ["invoice.*"], "signature_versions": ["v1"],
                 "rate_limit_per_second": null, "ordered": false, "enabled": true, "disabled_at": null, "disabled_reason": null,
                 "failing_since": null, "public_keys": ["whpk_Gy5DkgqwGOqcyxtjyFq6yqfLSfqEFHyB0EE0AFlZKZ8="], "rotation": null,
                 "created_at": "2026-12-05T07:51:23.1060894Z", "updated_at": "2026-12-05T07:51:23.1060894Z"}
                """,
        }),
        ["publishEvent"] = new("""{"type": "invoice.paid", "payload": {"invoice": "inv_1001", "amount": 4200}}""", "202", new()
        {
            ["accepted"] = """
                {"id": "msg_01m92jzcqg3mw2kkznrxp32c8c", "type": "invoice.paid", "payload": {"invoice": "inv_1001", "amount": 4200},
                 "timestamp": "2026-12-05T07:51:23.632206Z", "idempotency_key": null}
                """,
        }),
    };

    public static void Apply(OpenApiOperation operation)
    {
        if (operation.OperationId is not { } id || !ByOperation.TryGetValue(id, out var example))
        {
            return;
        }
        if (example.Request is { } request && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
        {
            body.Example = JsonNode.Parse(request);
        }
        if (operation.Responses?.GetValueOrDefault(example.Status)?.Content?.TryGetValue("application/json", out var answer) == true)
        {
            answer.Examples = example.Answers.ToDictionary(a => a.Key, a => (IOpenApiExample)new OpenApiExample { Value = JsonNode.Parse(a.Value) });
        }
    }
}
