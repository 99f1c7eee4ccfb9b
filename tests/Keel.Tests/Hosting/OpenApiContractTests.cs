using System.Text;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Hosting;

/// <summary>
/// The check every test client runs (<see cref="ContractCheck"/>) finds what breaks the document, and only that:
/// answers made up here against the document Keel serves.
/// </summary>
public sealed class OpenApiContractTests(SqliteFixture fixture) : IClassFixture<SqliteFixture>
{
    const string Key = """
        {"id": "key_01m92jzbkw7r8drq0m4r4brejx", "kind": "client", "name": "Customer 42", "prefix": "acme_live", "start": "acme_live_2DDj",
         "status": "active", "owner_id": null, "role": null, "scopes": [], "meta": null, "expires_at": null,
         "created_at": "2026-12-05T07:51:22.4839572Z", "updated_at": "2026-12-05T07:51:22.4839572Z", "revoked_at": null,
         "last_used_at": null, "rotated_to_id": null, "rotated_from_id": null, "plan_id": null, "rate": null, "quota": null,
         "remaining": null, "refill": null, "rotation": null}
        """;

    async Task<IReadOnlyList<string>> CheckAsync(HttpMethod method, string path, int status, string body,
        string media = "application/json", params (string Name, string Value)[] headers)
    {
        var contract = new OpenApiContract(await fixture.Admin.GetStringAsync("/openapi/v1.json"));
        using var response = new HttpResponseMessage();
        using var content = new StringContent(body, Encoding.UTF8, media);
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }
        return contract.Check(method, path, status, response.Headers, content.Headers, body);
    }

    [Fact]
    public async Task Check_AConformingAnswer_HasNoViolation() =>
        Assert.Empty(await CheckAsync(HttpMethod.Get, "/v1/keys/key_01m92jzbkw7r8drq0m4r4brejx", 200, Key));

    [Fact]
    public async Task Check_AnUndeclaredStatus_IsAViolation() =>
        Assert.Contains(await CheckAsync(HttpMethod.Get, "/v1/keys/key_x", 418, ""), v => v.Contains("status not declared", StringComparison.Ordinal));

    [Theory]
    [InlineData("\"status\": \"active\"", "\"status\": \"paused\"")]
    [InlineData("\"owner_id\": null, ", "")]
    [InlineData("\"scopes\": []", "\"scopes\": [5]")]
    [InlineData("\"created_at\": \"2026-12-05T07:51:22.4839572Z\"", "\"created_at\": \"yesterday\"")]
    [InlineData("\"meta\": null", "\"meta\": null, \"extra\": 1")]
    public async Task Check_ABodyThatBreaksItsSchema_IsAViolation(string part, string replacement)
    {
        var violations = await CheckAsync(HttpMethod.Get, "/v1/keys/key_01m92jzbkw7r8drq0m4r4brejx", 200, Key.Replace(part, replacement, StringComparison.Ordinal));

        Assert.Contains(violations, v => v.Contains("does not match its schema", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_AProblemWithExtensionMembers_HasNoViolation() =>
        Assert.Empty(await CheckAsync(HttpMethod.Post, "/v1/webhooks/endpoints", 409, """
            {"type": "/problems/resource.limit_reached", "title": "Tenant limit reached", "status": 409, "detail": "A tenant holds at most 1 webhook endpoints.",
             "code": "resource.limit_reached", "limit": 1, "trace_id": "19da84e29aa6f45afec743d68f23269f"}
            """, "application/problem+json"));

    [Fact]
    public async Task Check_AProblemWithoutItsCode_IsAViolation() =>
        Assert.NotEmpty(await CheckAsync(HttpMethod.Get, "/v1/keys", 401, """
            {"type": "/problems/auth.missing_credentials", "title": "Missing credentials", "status": 401, "detail": "No header.", "trace_id": "x"}
            """, "application/problem+json"));

    [Fact]
    public async Task Check_AWrongContentType_IsAViolation() =>
        Assert.Contains(await CheckAsync(HttpMethod.Get, "/v1/keys/key_x", 200, Key, "text/plain"), v => v.Contains("content type", StringComparison.Ordinal));

    [Fact]
    public async Task Check_AKeelHeaderTheAnswerDoesNotDeclare_IsAViolation() =>
        Assert.Contains(await CheckAsync(HttpMethod.Get, "/v1/keys/key_01m92jzbkw7r8drq0m4r4brejx", 200, Key, headers: ("Retry-After", "1")),
            v => v.Contains("Retry-After is sent but not declared", StringComparison.Ordinal));

    [Fact]
    public async Task Check_ARequiredHeaderMissing_IsAViolation() =>
        Assert.Contains(await CheckAsync(HttpMethod.Get, "/v1/keys", 429, """
            {"type": "/problems/ratelimit.exceeded", "title": "Rate limit exceeded", "status": 429, "detail": "Slow down.", "code": "ratelimit.exceeded", "trace_id": "x"}
            """, "application/problem+json"), v => v.Contains("required header Retry-After is missing", StringComparison.Ordinal));

    [Fact]
    public async Task Check_AnUndocumentedRoute_IsNotChecked() =>
        Assert.Empty(await CheckAsync(HttpMethod.Get, "/health/live", 200, "{}"));
}
