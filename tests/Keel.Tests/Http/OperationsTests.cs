using System.Net;
using System.Text.Json;
using Keel.Http;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Http;

/// <summary>Health, metrics, the OpenAPI document and its Scalar front end.</summary>
public abstract class OperationsTests(KeelFixture fixture)
{
    static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_Anonymous_IsHealthy(string url)
    {
        using var anonymous = fixture.Node.ClientWith(null);

        var response = await anonymous.GetAsync(url);

        Assert.Equal("healthy", (await response.Json(HttpStatusCode.OK)).Str("status"));
    }

    [Fact]
    public async Task HealthReady_RedisUnreachable_Is503ProblemNamingRedis_WhileLiveStays200()
    {
        await using var deadRedis = new GatedTcpProxy(TestServers.Redis.Split(',')[0]); // accepts, never answers
        await using var node = new KeelNode(fixture.Provider, await KeelFixture.NewDatabaseAsync(fixture.Provider), KeelFixture.AdminToken,
            new Dictionary<string, string?> { ["Redis:ConnectionString"] = deadRedis.Address + ",connectTimeout=300,syncTimeout=300,asyncTimeout=300" });
        using var anonymous = node.ClientWith(null);

        var ready = await (await anonymous.GetAsync("/health/ready")).Problem(HttpStatusCode.ServiceUnavailable, "server.unavailable");
        Assert.Contains("redis", ready.Str("detail"), StringComparison.Ordinal);
        Assert.StartsWith("unhealthy", ready.GetProperty("checks").Str("redis"), StringComparison.Ordinal);
        Assert.StartsWith("healthy", ready.GetProperty("checks").Str("storage"), StringComparison.Ordinal);
        Assert.Equal("healthy", (await (await anonymous.GetAsync("/health/live")).Json(HttpStatusCode.OK)).Str("status"));
        if (fixture.Provider == Provider.Postgres)
        {
            await node.DisposeAsync();
            await TestServers.DropPostgresDatabaseAsync(node.ConnectionString);
        }
    }

    [Fact]
    public async Task Metrics_AfterVerify_CountVerificationsByOutcome()
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await (await tenant.Owner.PostJson("/v1/keys", new { name = "customer", scopes = new[] { "a" } })).Json(HttpStatusCode.Created);
        await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key") })).Json(HttpStatusCode.OK);
        await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key"), scopes = new[] { "b" } })).Json(HttpStatusCode.OK);
        using var anonymous = fixture.Node.ClientWith(null);

        // The exporter caches a scrape for a moment; a scrape made just before the verifications may be served again.
        var text = "";
        for (var attempt = 0; attempt < 20 && !text.Contains("outcome=\"FORBIDDEN_SCOPE\"", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 100);
            var response = await anonymous.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
        }

        var lines = text.Split('\n').Where(l => l.StartsWith("keel_keys_verifications_total{", StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, l => l.Contains("outcome=\"VALID\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("outcome=\"FORBIDDEN_SCOPE\"", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) >= 1, l));
    }

    [Fact]
    public async Task Docs_Anonymous_ServesScalar()
    {
        using var anonymous = fixture.Node.ClientWith(null);

        var response = await anonymous.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("scalar", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OpenApi_EveryV1Operation_HasASummary()
    {
        var doc = await OpenApiAsync();

        var operations = V1Operations(doc).ToList();

        Assert.NotEmpty(operations);
        Assert.All(operations, op => Assert.False(
            string.IsNullOrWhiteSpace(op.Operation.TryGetProperty("summary", out var s) ? s.GetString() : null), $"{op.Name} has no summary"));
    }

    [Fact]
    public async Task OpenApi_CreateKey_DocumentsEachProblemStatusWithItsCodes()
    {
        var doc = await OpenApiAsync();
        var responses = doc.GetProperty("paths").GetProperty("/v1/keys").GetProperty("post").GetProperty("responses");

        var expected = new Dictionary<string, string[]>
        {
            ["400"] = ["validation.failed", "validation.malformed_json", "validation.invalid_type", "validation.unknown_field", "validation.body_required"],
            ["401"] = ["auth.missing_credentials", "auth.invalid_credentials", "auth.key_revoked", "auth.key_expired"],
            ["403"] = ["auth.forbidden", "auth.role_escalation"],
            ["413"] = ["validation.body_too_large"],
            ["415"] = ["validation.unsupported_media_type"],
        };
        foreach (var (status, codes) in expected)
        {
            Assert.True(responses.TryGetProperty(status, out var response), $"POST /v1/keys documents no {status}");
            var description = response.Str("description");
            Assert.All(codes, code => Assert.Contains($"`{code}`", description, StringComparison.Ordinal));
            Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{status} is not problem+json");
        }
        Assert.True(responses.TryGetProperty("201", out _));
    }

    [Fact]
    public async Task OpenApi_EveryDocumentedProblem_NamesCatalogCodesOfItsStatus()
    {
        var doc = await OpenApiAsync();

        foreach (var (name, operation) in V1Operations(doc))
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                var description = response.Value.Str("description");
                var codes = description.Split('`').Where((_, i) => i % 2 == 1).ToList();
                Assert.True(codes.Count > 0, $"{name} {response.Name}: '{description}' names no problem code");
                Assert.All(codes, code => Assert.Equal(response.Name, ErrorCodes.Find(code)?.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
    }

    [Fact]
    public async Task OpenApi_AuthenticatedOperations_Document401And403()
    {
        var doc = await OpenApiAsync();

        foreach (var (name, operation) in V1Operations(doc).Where(o => o.Name != "GET /v1/errors"))
        {
            var responses = operation.GetProperty("responses");
            Assert.True(responses.TryGetProperty("401", out _), $"{name} documents no 401");
            Assert.True(responses.TryGetProperty("403", out _), $"{name} documents no 403");
        }
    }

    [Fact]
    public async Task OpenApi_PatchKey_DescribesFieldsAsOptionalValuesNotWrappers()
    {
        var schemas = (await OpenApiAsync()).GetProperty("components").GetProperty("schemas");

        var patch = schemas.GetProperty("UpdateKeyRequest");
        Assert.False(patch.TryGetProperty("required", out var required) && required.GetArrayLength() > 0, "a PATCH body has no required field");
        var expiresAt = patch.GetProperty("properties").GetProperty("expires_at");
        Assert.False(expiresAt.TryGetProperty("$ref", out _), "a PATCH field is its value, not a wrapper");
        Assert.Equal("date-time", expiresAt.GetProperty("format").GetString());
        Assert.Contains("null", expiresAt.GetProperty("type").EnumerateArray().Select(t => t.GetString()));
        Assert.False(expiresAt.TryGetProperty("properties", out _), "the wrapper's own members must not show");
        Assert.DoesNotContain(schemas.EnumerateObject(), s => s.Name.StartsWith("PatchField", StringComparison.Ordinal));
    }

    async Task<JsonElement> OpenApiAsync()
    {
        using var anonymous = fixture.Node.ClientWith(null);
        return await (await anonymous.GetAsync("/openapi/v1.json")).Json(HttpStatusCode.OK);
    }

    static IEnumerable<(string Name, JsonElement Operation)> V1Operations(JsonElement doc) =>
        from path in doc.GetProperty("paths").EnumerateObject()
        where path.Name.StartsWith("/v1/", StringComparison.Ordinal)
        from op in path.Value.EnumerateObject()
        where Methods.Contains(op.Name)
        select ($"{op.Name.ToUpperInvariant()} {path.Name}", op.Value);
}

public sealed class OperationsTests_Sqlite(SqliteFixture f) : OperationsTests(f), IClassFixture<SqliteFixture>;

public sealed class OperationsTests_Postgres(PostgresFixture f) : OperationsTests(f), IClassFixture<PostgresFixture>;
