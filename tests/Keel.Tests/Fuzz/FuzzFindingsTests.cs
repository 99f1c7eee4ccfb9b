using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Fuzz;

/// <summary>Bugs the API fuzz found, each pinned by the smallest request that showed it.</summary>
public abstract class FuzzFindingsTests(KeelFixture fixture)
{
    [Theory]
    [InlineData("POST", "/v1/keys", "{\"name\": \"x\"}")]
    [InlineData("POST", "/v1/keys/verify", "{\"key\": \"k\"}")]
    [InlineData("POST", "/v1/keys/{key}/rotate", "{\"grace_period_seconds\": 60}")]
    [InlineData("PATCH", "/v1/keys/{key}", "{\"name\": \"y\"}")]
    public async Task JsonBody_UnknownCharset_IsUnsupportedMediaTypeNot500(string method, string url, string body)
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await (await tenant.Owner.PostJson("/v1/keys", new { name = "customer" })).Json(HttpStatusCode.Created);
        using var request = new HttpRequestMessage(new HttpMethod(method), url.Replace("{key}", key.Str("id"), StringComparison.Ordinal))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=nonsense");

        var response = await tenant.Owner.SendAsync(request);

        var problem = await response.Problem(HttpStatusCode.UnsupportedMediaType, "validation.unsupported_media_type");
        Assert.Contains("charset", problem.Str("detail"), StringComparison.Ordinal);
    }
}

public sealed class FuzzFindingsTests_Sqlite(SqliteFixture f) : FuzzFindingsTests(f), IClassFixture<SqliteFixture>;

public sealed class FuzzFindingsTests_Postgres(PostgresFixture f) : FuzzFindingsTests(f), IClassFixture<PostgresFixture>;
