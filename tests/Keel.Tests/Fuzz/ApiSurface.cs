using System.Text.Json;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Fuzz;

/// <summary>One operation of Keel's OpenAPI document.</summary>
public sealed record ApiRoute(
    string Method, string Template, IReadOnlyList<string> PathParameters, IReadOnlyList<string> QueryParameters,
    IReadOnlyList<string> HeaderParameters, bool TakesBody, string? BodySchema)
{
    public bool IsRead => Method == "GET";

    /// <summary>The collection the route's path parameters point into: <c>/v1/keys/{id}/rotate</c> is in <c>/v1/keys</c>.</summary>
    public string Collection => Template.IndexOf("/{", StringComparison.Ordinal) is var brace and >= 0 ? Template[..brace] : Template;

    public override string ToString() => $"{Method} {Template}";
}

/// <summary>
/// The routes and request schemas of the running node, read from <c>GET /openapi/v1.json</c>, so a
/// route added to Keel is fuzzed without anyone listing it here.
/// </summary>
public sealed class ApiSurface(IReadOnlyList<ApiRoute> routes, JsonElement schemas)
{
    public IReadOnlyList<ApiRoute> Routes { get; } = routes;

    /// <summary><c>components.schemas</c>: request bodies without a seed are made from these.</summary>
    public JsonElement Schemas { get; } = schemas;

    public static async Task<ApiSurface> ReadAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("/openapi/v1.json");
        var document = JsonDocument.Parse(text).RootElement.Clone();
        var routes = new List<ApiRoute>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name != "parameters"))
            {
                var parameters = operation.Value.TryGetProperty("parameters", out var p) ? [.. p.EnumerateArray()] : new List<JsonElement>();
                string? schema = null;
                var takesBody = operation.Value.TryGetProperty("requestBody", out var body);
                if (takesBody && body.GetProperty("content").TryGetProperty("application/json", out var json) && json.TryGetProperty("schema", out var s))
                {
                    schema = SchemaName(s);
                }
                routes.Add(new ApiRoute(
                    operation.Name.ToUpperInvariant(), path.Name,
                    [.. parameters.Where(x => x.Str("in") == "path").Select(x => x.Str("name"))],
                    [.. parameters.Where(x => x.Str("in") == "query").Select(x => x.Str("name"))],
                    [.. parameters.Where(x => x.Str("in") == "header").Select(x => x.Str("name"))],
                    takesBody, schema));
            }
        }
        return new ApiSurface(routes, document.GetProperty("components").GetProperty("schemas"));
    }

    /// <summary>The component a schema names, directly or as the non-null branch of a <c>oneOf</c>.</summary>
    public static string? SchemaName(JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            return reference.GetString()!["#/components/schemas/".Length..];
        }
        return schema.TryGetProperty("oneOf", out var branches)
            ? branches.EnumerateArray().Select(SchemaName).FirstOrDefault(n => n is not null)
            : null;
    }
}
