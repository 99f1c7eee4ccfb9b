using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keel.Tests.Fuzz;

/// <summary>
/// A valid body for each request schema, which the fuzz mutates field by field. A schema without a
/// seed here (a new route) still gets a body: one made from its OpenAPI properties, so it is fuzzed
/// at once, if less deeply than a seeded one.
/// </summary>
public static class SeedBodies
{
    public static JsonNode? For(string? schema, ApiSurface surface, Random random, IdPool pool) =>
        schema is null ? null : Written(schema, random, pool.Secrets) ?? FromSchema(surface.Schemas, schema, 0);

    /// <summary>Whether the schema has a seed written here: Keel must accept that one as it is.</summary>
    public static bool IsWritten(string schema) => Written(schema, new Random(0), []) is not null;

    static JsonObject? Written(string schema, Random random, List<string> secrets)
    {
        var unique = random.Next().ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        return schema switch
        {
            "CreateTenantRequest" => new JsonObject { ["name"] = "Fuzz tenant", ["slug"] = "fuzz-" + unique },
            "UpdateTenantRequest" => new JsonObject { ["name"] = "Renamed fuzz tenant" },
            "CreateKeyRequest" => new JsonObject
            {
                ["name"] = "fuzz key",
                ["prefix"] = "fuzz",
                ["owner_id"] = "owner-" + unique,
                ["scopes"] = new JsonArray("read", "write"),
                ["meta"] = new JsonObject { ["plan"] = "gold", ["tags"] = new JsonArray("a", "b"), ["nested"] = new JsonObject { ["n"] = 1 } },
                ["expires_at"] = "2999-01-01T00:00:00Z",
                ["rate"] = new JsonObject { ["requests_per_second"] = 10, ["burst"] = 20 },
                ["quota"] = new JsonObject { ["period"] = "day", ["limit"] = 1000 },
            },
            "UpdateKeyRequest" => new JsonObject
            {
                ["name"] = "renamed fuzz key",
                ["scopes"] = new JsonArray("read"),
                ["meta"] = new JsonObject { ["changed"] = true },
            },
            "RotateKeyRequest" or "RotateSecretRequest" => new JsonObject { ["grace_period_seconds"] = 60 },
            "VerifyKeyRequest" => new JsonObject
            {
                ["key"] = secrets.Count > 0 ? secrets[random.Next(secrets.Count)] : "fuzz_" + unique,
                ["scopes"] = new JsonArray("read"),
                ["cost"] = 1,
            },
            "CreateEndpointRequest" => new JsonObject
            {
                ["url"] = "https://hooks.example.com/fuzz/" + unique,
                ["event_types"] = new JsonArray("fuzz.*"),
                ["description"] = "fuzz endpoint",
                ["signature_versions"] = new JsonArray("v1"),
                ["rate_limit_per_second"] = 10,
                ["ordered"] = false,
            },
            "UpdateEndpointRequest" => new JsonObject { ["description"] = "changed", ["enabled"] = true },
            "EventTypeRequest" => new JsonObject
            {
                ["name"] = "fuzz.thing",
                ["description"] = "a thing happened",
                ["schema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["n"] = new JsonObject { ["type"] = "integer" } } },
            },
            "PublishEventRequest" => new JsonObject
            {
                ["type"] = "fuzz.thing",
                ["payload"] = new JsonObject { ["n"] = 1, ["tags"] = new JsonArray("a"), ["detail"] = new JsonObject { ["x"] = new JsonObject { ["y"] = 1 } } },
            },
            "PublishEventsRequest" => new JsonObject
            {
                ["events"] = new JsonArray(
                    new JsonObject { ["type"] = "fuzz.thing", ["payload"] = new JsonObject { ["n"] = 1 }, ["idempotency_key"] = "fuzz-" + unique },
                    new JsonObject { ["type"] = "fuzz.other", ["payload"] = new JsonArray(1, "two") }),
            },
            "CreateRatePlanRequest" => new JsonObject
            {
                ["name"] = "fuzz plan",
                ["rate"] = new JsonObject { ["requests_per_second"] = 100, ["burst"] = 200 },
                ["quota"] = new JsonObject { ["period"] = "month", ["limit"] = 100_000, ["soft_limits"] = new JsonArray(0.8, 0.9), ["hard_cap"] = false },
                ["fail_open"] = false,
            },
            "UpdateRatePlanRequest" => new JsonObject { ["name"] = "renamed fuzz plan" },
            "RateLimitCheckRequest" => new JsonObject
            {
                ["namespace"] = "fuzz",
                ["identifier"] = "user-" + unique,
                ["requests_per_second"] = 10,
                ["burst"] = 10,
                ["cost"] = 1,
            },
            "BulkRedispatchRequest" => new JsonObject { ["event_type"] = "fuzz.thing" },
            _ => null,
        };
    }

    /// <summary>An object with every property of the schema set to a plain value of its declared type.</summary>
    static JsonObject? FromSchema(JsonElement schemas, string name, int depth)
    {
        if (depth > 3 || !schemas.TryGetProperty(name, out var schema) || !schema.TryGetProperty("properties", out var properties))
        {
            return depth == 0 ? new JsonObject() : null;
        }
        var body = new JsonObject();
        foreach (var property in properties.EnumerateObject())
        {
            body[property.Name] = ValueOf(schemas, property.Value, depth);
        }
        return body;
    }

    static JsonNode? ValueOf(JsonElement schemas, JsonElement schema, int depth)
    {
        if (ApiSurface.SchemaName(schema) is { } reference)
        {
            return FromSchema(schemas, reference, depth + 1);
        }
        var type = schema.TryGetProperty("type", out var t) ? t.ToString() : "string";
        return type switch
        {
            _ when type.Contains("integer", StringComparison.Ordinal) || type.Contains("number", StringComparison.Ordinal) => 1,
            _ when type.Contains("boolean", StringComparison.Ordinal) => true,
            _ when type.Contains("array", StringComparison.Ordinal) => new JsonArray(),
            _ when schema.TryGetProperty("format", out var f) && f.GetString() == "date-time" => "2999-01-01T00:00:00Z",
            _ => "x",
        };
    }
}
