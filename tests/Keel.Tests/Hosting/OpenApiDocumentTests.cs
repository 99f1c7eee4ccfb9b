using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Hosting;

/// <summary>
/// The OpenAPI document is a contract clients generate code from: every operation named, every value typed,
/// every credential and answer declared. (That answers match it is checked on every answer the suite gets,
/// by <see cref="ContractCheck"/>.)
/// </summary>
public sealed partial class OpenApiDocumentTests(SqliteFixture fixture) : IClassFixture<SqliteFixture>
{
    static readonly string[] SchemaKinds = ["type", "$ref", "oneOf", "anyOf", "allOf", "enum", "const"];

    [GeneratedRegex("^[a-z][a-zA-Z0-9]*$")]
    private static partial Regex CamelCase();

    async Task<JsonObject> DocumentAsync() => JsonNode.Parse(await fixture.Admin.GetStringAsync("/openapi/v1.json"))!.AsObject();

    static IEnumerable<(string Name, JsonObject Operation)> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => ($"{o.Key.ToUpperInvariant()} {p.Key}", o.Value!.AsObject())));

    [Fact]
    public async Task Operations_EachHasAnOperationId_UniqueAndCamelCase()
    {
        var operations = Operations(await DocumentAsync()).ToList();

        Assert.NotEmpty(operations);
        Assert.All(operations, o => Assert.True(o.Operation["operationId"]?.GetValue<string>() is { } id && CamelCase().IsMatch(id), $"{o.Name} has no camelCase operationId"));
        var ids = operations.Select(o => o.Operation["operationId"]!.GetValue<string>()).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("verifyKey", ids);
        Assert.Contains("listKeys", ids);
        Assert.Contains("createTenant", ids);
    }

    [Fact]
    public async Task Schemas_EveryPropertyAndParameter_IsTyped()
    {
        var document = await DocumentAsync();
        List<string> untyped = [];
        foreach (var (name, schema) in document["components"]!["schemas"]!.AsObject())
        {
            Walk(schema!, name, untyped);
        }
        foreach (var (name, operation) in Operations(document))
        {
            foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
            {
                Walk(parameter!["schema"]!, $"{name} ?{parameter["name"]}", untyped);
                if (!Typed(parameter["schema"]!))
                {
                    untyped.Add($"{name} ?{parameter["name"]}");
                }
            }
        }

        Assert.True(untyped.Count == 0, "untyped: " + string.Join(", ", untyped));
    }

    static bool Typed(JsonNode schema) => schema is JsonObject o && SchemaKinds.Any(o.ContainsKey);

    static void Walk(JsonNode schema, string path, List<string> untyped)
    {
        if (schema is not JsonObject o)
        {
            return;
        }
        foreach (var (name, property) in o["properties"]?.AsObject() ?? [])
        {
            if (!Typed(property!))
            {
                untyped.Add($"{path}.{name}");
            }
            Walk(property!, $"{path}.{name}", untyped);
        }
        if (o["items"] is { } items)
        {
            // A list types its items; a field that holds any JSON value (`payload`) holds any in its arrays too.
            var kinds = o["type"] is JsonArray many ? many.Select(k => k!.GetValue<string>()).ToList() : [o["type"]?.GetValue<string>() ?? ""];
            if (kinds.All(k => k is "array" or "null") && !Typed(items))
            {
                untyped.Add($"{path}[]");
            }
            Walk(items, $"{path}[]", untyped);
        }
        foreach (var branch in new[] { "oneOf", "anyOf", "allOf" }.SelectMany(k => o[k]?.AsArray() ?? []))
        {
            Walk(branch!, path, untyped);
        }
    }

    [Fact]
    public async Task Operations_DeclareTheirCredentialsAndTheProblemsOfThePipeline()
    {
        var document = await DocumentAsync();
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("bearer", schemes["adminToken"]!["scheme"]!.GetValue<string>());
        Assert.Equal("bearer", schemes["managementKey"]!["scheme"]!.GetValue<string>());

        foreach (var (name, operation) in Operations(document))
        {
            var responses = operation["responses"]!.AsObject();
            var security = operation["security"]?.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key)).ToList() ?? [];
            Assert.All(new[] { "500", "503" }, s => Assert.True(responses.ContainsKey(s), $"{name} does not declare {s}"));
            if (name == "GET /v1/errors")
            {
                Assert.Empty(security);
            }
            else
            {
                Assert.True(security.Count > 0, $"{name} names no credential");
                Assert.All(new[] { "401", "403" }, s => Assert.True(responses.ContainsKey(s), $"{name} does not declare {s}"));
            }
            // A management key's tenant is limited wherever it calls, anonymous routes included.
            if (security.Count == 0 || security.Contains("managementKey"))
            {
                Assert.True(responses["429"]?["headers"]?["Retry-After"] is not null, $"{name} does not declare 429 with Retry-After");
                Assert.True(responses.Where(r => r.Key.StartsWith('2')).All(r => r.Value!["headers"]?["RateLimit"] is not null), $"{name} does not declare RateLimit");
            }
            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
            {
                Assert.Equal("#/components/schemas/Problem", response!["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>());
            }
        }
    }

    [Fact]
    public async Task ProblemSchema_AllowsTheCatalogMembersAndExtensions()
    {
        var problem = (await DocumentAsync())["components"]!["schemas"]!["Problem"]!.AsObject();

        Assert.All(new[] { "type", "title", "status", "detail", "instance", "code", "errors", "trace_id" }, p => Assert.NotNull(problem["properties"]![p]));
        Assert.Equal("array", problem["properties"]!["errors"]!["additionalProperties"]!["type"]!.GetValue<string>());
        Assert.True(problem["additionalProperties"]?.GetValueKind() is null or System.Text.Json.JsonValueKind.Object or System.Text.Json.JsonValueKind.True,
            "a problem may carry members beyond the catalog's (limit, missing_permission, ...)");
    }

    [Theory]
    [InlineData("createTenant", "201")]
    [InlineData("createKey", "201")]
    [InlineData("verifyKey", "200")]
    [InlineData("createEndpoint", "201")]
    [InlineData("publishEvent", "202")]
    public async Task MainOperations_HaveRequestAndAnswerExamples(string operationId, string status)
    {
        var operation = Operations(await DocumentAsync()).Single(o => o.Operation["operationId"]?.GetValue<string>() == operationId).Operation;

        Assert.NotNull(operation["requestBody"]!["content"]!["application/json"]!["example"]);
        Assert.NotEmpty(operation["responses"]![status]!["content"]!["application/json"]!["examples"]!.AsObject());
    }

    [Fact]
    public async Task CommittedCopy_MatchesTheServedDocument()
    {
        var path = Path.Combine(RepositoryFiles.Root(), "docs", "openapi.json");
        var stale = "docs/openapi.json is stale or missing: run `scripts/lint-openapi --write`, which writes it from the build, and commit it.";

        Assert.True(File.Exists(path), stale);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(path)), await DocumentAsync()), stale);
    }
}
