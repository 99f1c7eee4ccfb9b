using System.Net;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;

namespace Keel.Tests.Http;

/// <summary>Every route that takes a name (or a description) refuses one that shows nothing or reorders what it shows.</summary>
public abstract class NameValidationTests(KeelFixture fixture)
{
    [Theory]
    [InlineData("\u200B\u200B")]
    [InlineData("Owner\u202E")]
    public async Task Names_EveryRouteThatTakesOne_RefusesThem(string name)
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await (await tenant.Owner.PostJson("/v1/keys", new { name = "Visible" })).Json(HttpStatusCode.Created);
        var plan = await (await tenant.Owner.PostJson("/v1/rate-plans", new { name = "Visible", rate = new { requests_per_second = 1 } })).Json(HttpStatusCode.Created);

        HttpResponseMessage[] refused =
        [
            await fixture.Admin.PostJson("/v1/tenants", new { name, slug = "n-" + Guid.NewGuid().ToString("N")[..12] }),
            await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { name }),
            await tenant.Owner.PostJson("/v1/keys", new { name }),
            await tenant.Owner.PatchJson($"/v1/keys/{key.Str("id")}", new { name }),
            await tenant.Owner.PostJson("/v1/rate-plans", new { name }),
            await tenant.Owner.PatchJson($"/v1/rate-plans/{plan.Str("id")}", new { name }),
            await fixture.Admin.PostJson("/v1/rate-plans", new { name }),
        ];

        foreach (var answer in refused)
        {
            var problem = await answer.Problem(HttpStatusCode.BadRequest, "validation.failed");
            Assert.Contains("visible", problem.GetProperty("errors").GetProperty("name")[0].GetString(), StringComparison.Ordinal);
        }
        var endpoint = await tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url = "https://example.com/hook", description = name });
        Assert.True((await endpoint.Problem(HttpStatusCode.BadRequest, "validation.failed")).GetProperty("errors").TryGetProperty("description", out _));
        Assert.Equal("Visible", (await tenant.Owner.GetKeyAsync(key.Str("id"))).Str("name"));
    }

    [Fact]
    public async Task Names_VisibleUnicode_AreKept()
    {
        var tenant = await fixture.NewTenantAsync();

        var key = await (await tenant.Owner.PostJson("/v1/keys", new { name = "東京 \u200FZoë" })).Json(HttpStatusCode.Created);

        Assert.Equal("東京 \u200FZoë", key.Str("name"));
    }
}

public sealed class NameValidationTests_Sqlite(SqliteFixture f) : NameValidationTests(f), IClassFixture<SqliteFixture>;

public sealed class NameValidationTests_Postgres(PostgresFixture f) : NameValidationTests(f), IClassFixture<PostgresFixture>;
