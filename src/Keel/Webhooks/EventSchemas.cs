using System.Collections.Concurrent;
using System.Text.Json;
using Json.Schema;

namespace Keel.Webhooks;

/// <summary>
/// Compiles event-type schemas (JsonSchema.Net) and checks payloads against them. Compiled schemas
/// are kept per tenant and type and rebuilt when the text changes.
/// </summary>
public sealed class EventSchemas
{
    readonly ConcurrentDictionary<(string Tenant, string Type), (string Text, JsonSchema Schema)> _compiled = new();

    /// <summary>Compiles a schema, or says why it is not one.</summary>
    public static bool TryCompile(string text, out JsonSchema? schema, out string? error)
    {
        try
        {
            // A registry per schema: two tenants may use the same $id without meeting.
            schema = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            error = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or JsonSchemaException or RefResolutionException or ArgumentException or InvalidOperationException or FormatException)
        {
            schema = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>The payload's violations of the type's schema (empty when it conforms).</summary>
    public IReadOnlyList<string> Check(string tenantId, string type, string schemaText, JsonElement payload)
    {
        var key = (tenantId, type);
        if (!_compiled.TryGetValue(key, out var entry) || entry.Text != schemaText)
        {
            if (!TryCompile(schemaText, out var schema, out _))
            {
                return ["The event type's schema no longer compiles; fix it with POST /v1/event-types."];
            }
            _compiled[key] = entry = (schemaText, schema!);
        }
        var results = entry.Schema.Evaluate(payload, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }
        return [.. (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {e.Value}"))
            .Distinct()
            .Take(20)];
    }
}
