using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Keel.Tests.Infrastructure;

/// <summary>
/// Keel's OpenAPI document as a contract: for an answer, the operation it came from (by method and path
/// template), and everything about it that the document does not allow. Schemas are checked by JsonSchema.Net
/// (draft 2020-12, the dialect of OpenAPI 3.1, with formats asserted), against the document's components.
/// </summary>
public sealed class OpenApiContract
{
    /// <summary>The headers Keel writes that a document must declare where they are sent.</summary>
    static readonly string[] KeelHeaders = ["RateLimit", "RateLimit-Policy", "Retry-After", "Location", "Deprecation", "Sunset", "Link", "Idempotent-Replayed"];

    static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    sealed record Operation(string Method, string Template, Regex Path, int Literals, JsonObject Node);

    readonly List<Operation> _operations = [];
    readonly JsonObject _schemas;
    readonly JsonObject _headers;
    readonly ConcurrentDictionary<string, JsonSchema> _compiled = new(StringComparer.Ordinal);

    public OpenApiContract(string documentJson)
    {
        var document = JsonNode.Parse(documentJson)!.AsObject();
        _schemas = document["components"]?["schemas"]?.AsObject() ?? [];
        _headers = document["components"]?["headers"]?.AsObject() ?? [];
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            var segments = template.Split('/');
            var pattern = "^" + string.Join("/", segments.Select(s => s.StartsWith('{') ? "[^/]+" : Regex.Escape(s))) + "$";
            foreach (var (method, operation) in item!.AsObject())
            {
                _operations.Add(new(method.ToUpperInvariant(), template, new Regex(pattern, RegexOptions.CultureInvariant),
                    segments.Count(s => !s.StartsWith('{')), operation!.AsObject()));
            }
        }
    }

    /// <summary>What the answer does that its operation does not declare; empty when it conforms or the route is undocumented.</summary>
    public IReadOnlyList<string> Check(HttpMethod method, string path, int status, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, string body)
    {
        var operation = _operations.Where(o => o.Method == method.Method && o.Path.IsMatch(path)).MaxBy(o => o.Literals);
        if (operation is null)
        {
            return [];
        }
        var where = $"{operation.Method} {operation.Template} -> {status}";
        var responses = operation.Node["responses"]!.AsObject();
        if (responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] is not JsonObject response)
        {
            return [$"{where}: status not declared (declared: {string.Join(", ", responses.Select(r => r.Key))}): {Excerpt(body)}"];
        }
        List<string> violations = [];
        CheckHeaders(where, response, headers, contentHeaders, violations);
        var content = response["content"]?.AsObject();
        var media = contentHeaders.ContentType?.MediaType;
        if (body.Length == 0)
        {
            if (content is { Count: > 0 })
            {
                violations.Add($"{where}: no body, but {string.Join(", ", content.Select(c => c.Key))} is declared");
            }
            return violations;
        }
        if (media is null || content?[media] is not JsonObject declared)
        {
            violations.Add($"{where}: content type {media ?? "(none)"} not declared (declared: {string.Join(", ", content?.Select(c => c.Key) ?? [])})");
            return violations;
        }
        if (declared["schema"] is JsonObject schema)
        {
            JsonElement instance;
            try
            {
                instance = JsonElement.Parse(body);
            }
            catch (JsonException e)
            {
                violations.Add($"{where}: the body is not JSON ({e.Message})");
                return violations;
            }
            var results = Compile($"{where} {media}", schema).Evaluate(instance, Evaluation);
            if (!results.IsValid)
            {
                var errors = (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                    .Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}").Distinct().Take(8);
                violations.Add($"{where}: the body does not match its schema: {string.Join(" | ", errors)}; body: {Excerpt(body)}");
            }
        }
        return violations;
    }

    void CheckHeaders(string where, JsonObject response, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, List<string> violations)
    {
        var declared = response["headers"]?.AsObject() ?? [];
        bool Present(string name) => headers.NonValidated.Contains(name) || contentHeaders.NonValidated.Contains(name);
        foreach (var (name, header) in declared)
        {
            var resolved = header?["$ref"]?.GetValue<string>() is { } reference ? _headers[reference.Split('/')[^1]] : header;
            if (resolved?["required"]?.GetValue<bool>() == true && !Present(name))
            {
                violations.Add($"{where}: the required header {name} is missing");
            }
        }
        foreach (var name in KeelHeaders.Where(n => Present(n) && !declared.ContainsKey(n)))
        {
            violations.Add($"{where}: header {name} is sent but not declared");
        }
    }

    /// <summary>The media type's schema as a JSON Schema document holding the components as <c>$defs</c>.</summary>
    JsonSchema Compile(string key, JsonObject schema) => _compiled.GetOrAdd(key, _ =>
    {
        var root = schema.DeepClone().AsObject();
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = _schemas.DeepClone();
        var text = root.ToJsonString().Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText(text, new BuildOptions { Dialect = Dialect.Draft202012, SchemaRegistry = new SchemaRegistry() });
    });

    static string Excerpt(string body) => body.Length <= 600 ? body : body[..600] + "...";
}
