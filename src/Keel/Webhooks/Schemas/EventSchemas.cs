using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using Microsoft.Extensions.Caching.Memory;

namespace Keel.Webhooks;

/// <summary>
/// Compiles event-type schemas (JsonSchema.Net, draft 2020-12, under <see cref="SchemaRules"/>) and
/// checks payloads against them within a <see cref="SchemaBudget"/>. Compiled schemas are cached per
/// tenant and type, bounded by the size of their text, and rebuilt when the text changes.
/// </summary>
public sealed class EventSchemas : IDisposable
{
    /// <summary>Units of one payload check: generous for payloads of up to 256 KB, far below what hurts a node.</summary>
    internal const long MaxUnits = 100_000;
    internal static readonly TimeSpan MaxTime = TimeSpan.FromMilliseconds(500);

    static readonly EvaluationOptions Flag = new() { OutputFormat = OutputFormat.Flag };
    static readonly EvaluationOptions List = new() { OutputFormat = OutputFormat.List };

    readonly MemoryCache _compiled = new(new MemoryCacheOptions { SizeLimit = 16 * 1024 * 1024 });

    sealed record Compiled(string Text, JsonSchema Schema);

    /// <summary>Compiles a schema, or says why it is not one Keel accepts.</summary>
    public static bool TryCompile(string text, out JsonSchema? schema, out string? error)
    {
        schema = null;
        if (text.Length > SchemaRules.MaxBytes)
        {
            error = $"the schema is larger than {SchemaRules.MaxBytes} bytes.";
            return false;
        }
        try
        {
            using (var document = JsonDocument.Parse(text))
            {
                error = SchemaRules.Check(document.RootElement);
            }
            if (error is not null)
            {
                return false;
            }
            // A registry per schema: two tenants may use the same $id without meeting.
            schema = JsonSchema.FromText(text, new BuildOptions
            {
                SchemaRegistry = new SchemaRegistry(),
                Dialect = BudgetedDialect.Instance,
                DialectRegistry = BudgetedDialect.Registry,
            });
            return true;
        }
        catch (Exception e) when (e is JsonException or JsonSchemaException or RefResolutionException or ArgumentException or InvalidOperationException or FormatException)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>The payload's violations of the type's schema (empty when it conforms).</summary>
    public IReadOnlyList<string> Check(string tenantId, string type, string schemaText, JsonElement payload)
    {
        var key = (tenantId, type);
        if (!_compiled.TryGetValue(key, out Compiled? entry) || entry!.Text != schemaText)
        {
            if (!TryCompile(schemaText, out var schema, out var error))
            {
                return [$"/: the event type's schema is no longer accepted ({error}); replace it with POST /v1/event-types."];
            }
            entry = _compiled.Set(key, new Compiled(schemaText, schema!), new MemoryCacheEntryOptions { Size = schemaText.Length + 1 });
        }
        using var budget = SchemaBudget.Begin(MaxUnits, MaxTime);
        try
        {
            // The flag format stops at the first failure and keeps no details; only a failing payload pays for messages.
            if (entry.Schema.Evaluate(payload, Flag).IsValid)
            {
                return [];
            }
            var results = entry.Schema.Evaluate(payload, List);
            return [.. (results.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {e.Value}"))
                .Distinct()
                .Take(20)];
        }
        catch (SchemaBudgetExceededException e)
        {
            return [$"/: {e.Message}; simplify the schema or the payload."];
        }
        catch (RegexMatchTimeoutException)
        {
            return ["/: a pattern of the schema takes too long on this payload."];
        }
    }

    public void Dispose() => _compiled.Dispose();
}
