using System.Net;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Http;

/// <summary>Every refused credential is a 401 problem naming why, with <c>WWW-Authenticate: Bearer</c>.</summary>
public abstract class AuthenticationTests(KeelFixture fixture)
{
    async Task<HttpResponseMessage> GetKeysWithHeaderAsync(string? authorization)
    {
        using var client = fixture.Node.ClientWith(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/keys");
        if (authorization is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));
        }
        return await client.SendAsync(request);
    }

    static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string code)
    {
        await response.Problem(HttpStatusCode.Unauthorized, code);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task Request_NoAuthorizationHeader_IsMissingCredentials()
    {
        await AssertUnauthorizedAsync(await GetKeysWithHeaderAsync(null), "auth.missing_credentials");
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer ")]
    [InlineData("Bearer")]
    [InlineData("Token keel_sk_abc")]
    [InlineData("keel_sk_abc")]
    public async Task Request_MalformedAuthorizationHeader_IsInvalidCredentials(string header)
    {
        await AssertUnauthorizedAsync(await GetKeysWithHeaderAsync(header), "auth.invalid_credentials");
    }

    [Fact]
    public async Task Request_OversizedBearerSecret_IsInvalidCredentials()
    {
        await AssertUnauthorizedAsync(await GetKeysWithHeaderAsync("Bearer keel_sk_" + new string('x', 600)), "auth.invalid_credentials");
    }

    [Theory]
    [InlineData("keel_sk_000000000000000000000000000000000")]
    [InlineData("keel_sk_0000000000000000000000000000000000")]
    [InlineData("keel_admin_not_the_admin_token_00000000000000")]
    [InlineData("anything-at-all")]
    public async Task Request_UnknownSecret_IsInvalidCredentials(string secret)
    {
        await AssertUnauthorizedAsync(await GetKeysWithHeaderAsync("Bearer " + secret), "auth.invalid_credentials");
    }

    [Fact]
    public async Task Request_ClientKeyAsBearer_IsInvalidCredentials()
    {
        var tenant = await fixture.NewTenantAsync();
        var client = await (await tenant.Owner.PostJson("/v1/keys", new { name = "customer", prefix = "acme_live" })).Json(HttpStatusCode.Created);

        await AssertUnauthorizedAsync(await GetKeysWithHeaderAsync("Bearer " + client.Str("key")), "auth.invalid_credentials");
    }

    [Fact]
    public async Task Request_RevokedManagementKey_IsKeyRevoked()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await (await tenant.Owner.PostJson("/v1/keys", new { kind = "management", name = "ops", role = "admin" })).Json(HttpStatusCode.Created);
        using var ops = fixture.Node.ClientWith(created.Str("key"));
        await (await ops.GetAsync("/v1/keys")).Json(HttpStatusCode.OK); // cached as valid

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{created.Str("id")}")).StatusCode);

        await AssertUnauthorizedAsync(await ops.GetAsync("/v1/keys"), "auth.key_revoked");
        await AssertUnauthorizedAsync(await ops.PostJson("/v1/keys", new { name = "after revocation" }), "auth.key_revoked");
    }

    [Fact]
    public async Task Request_ManagementKeyRotatedWithoutGrace_IsKeyExpiredAndSuccessorWorks()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await (await tenant.Owner.PostJson("/v1/keys", new { kind = "management", name = "ops", role = "developer" })).Json(HttpStatusCode.Created);

        var successor = await (await tenant.Owner.PostJson($"/v1/keys/{created.Str("id")}/rotate", new { grace_period_seconds = 0 })).Json(HttpStatusCode.Created);

        await AssertUnauthorizedAsync(await GetKeysWithHeaderAsync("Bearer " + created.Str("key")), "auth.key_expired");
        await (await GetKeysWithHeaderAsync("Bearer " + successor.Str("key"))).Json(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Request_LowercaseBearerScheme_IsAccepted()
    {
        var tenant = await fixture.NewTenantAsync();

        await (await GetKeysWithHeaderAsync("bearer " + tenant.OwnerKey)).Json(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Request_NoCredentialsAndBrokenBody_IsUnauthorizedBeforeBodyIsRead()
    {
        using var anonymous = fixture.Node.ClientWith(null);

        var response = await anonymous.PostRaw("/v1/keys", "{ not json");

        await AssertUnauthorizedAsync(response, "auth.missing_credentials");
    }

    [Fact]
    public async Task Catalog_NoCredentials_IsServed()
    {
        using var anonymous = fixture.Node.ClientWith(null);

        var catalog = await (await anonymous.GetAsync("/v1/errors")).Json(HttpStatusCode.OK);

        Assert.NotEmpty(catalog.GetProperty("data").EnumerateArray());
    }
}

public sealed class AuthenticationTests_Sqlite(SqliteFixture f) : AuthenticationTests(f), IClassFixture<SqliteFixture>;

public sealed class AuthenticationTests_Postgres(PostgresFixture f) : AuthenticationTests(f), IClassFixture<PostgresFixture>;
