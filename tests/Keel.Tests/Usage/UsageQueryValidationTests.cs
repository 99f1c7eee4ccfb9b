using System.Net;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;

namespace Keel.Tests.Usage;

/// <summary>Every malformed query of the usage routes is a 400 <c>validation.invalid_query</c> naming the parameter, never a 500.</summary>
public abstract class UsageQueryValidationTests(KeelFixture fixture)
{
    [Theory]
    [InlineData("/v1/keys/{key}/usage?granularity=week", "granularity")]
    [InlineData("/v1/keys/{key}/usage?from=yesterday", "from")]
    [InlineData("/v1/keys/{key}/usage?to=2026-13-45T00:00:00Z", "to")]
    [InlineData("/v1/keys/{key}/usage?from=1969-12-31T00:00:00Z&to=1970-01-02T00:00:00Z", "from")]
    [InlineData("/v1/keys/{key}/usage?from=2026-02-02T00:00:00Z&to=2026-02-01T00:00:00Z", "from")]
    [InlineData("/v1/keys/{key}/usage?from=2026-02-01T00:00:00Z&to=2026-02-01T00:00:00Z", "from")]
    [InlineData("/v1/keys/{key}/usage?from=2026-02-01T00:00:00Z&to=2026-02-03T00:00:00Z&granularity=minute", "to")]
    [InlineData("/v1/keys/{key}/usage?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&granularity=hour", "to")]
    [InlineData("/v1/keys/{key}/usage?from=2020-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&granularity=day", "to")]
    [InlineData("/v1/keys/{key}/usage?to=9999-12-31T23:59:59Z", "to")]
    [InlineData("/v1/analytics/keys?order_by=latency", "order_by")]
    [InlineData("/v1/analytics/keys?limit=0", "limit")]
    [InlineData("/v1/analytics/keys?limit=101", "limit")]
    [InlineData("/v1/analytics/keys?limit=ten", "limit")]
    [InlineData("/v1/analytics/keys?limit=-1", "limit")]
    [InlineData("/v1/analytics/keys?from=2020-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "to")]
    [InlineData("/v1/analytics/keys?from=not-a-date", "from")]
    [InlineData("/v1/analytics/auth-failures?granularity=second", "granularity")]
    [InlineData("/v1/analytics/auth-failures?from=2026-02-02T00:00:00Z&to=2026-02-01T00:00:00Z", "from")]
    [InlineData("/v1/analytics/auth-failures?from=2026-02-01T00:00:00Z&to=2026-02-03T00:00:00Z&granularity=minute", "to")]
    public async Task Query_Malformed_IsInvalidQueryNamingTheParameter(string url, string parameter)
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await tenant.Owner.CreateKeyAsync(new { name = "k" });

        var problem = await (await tenant.Owner.GetAsync(url.Replace("{key}", key.Str("id"), StringComparison.Ordinal)))
            .Problem(HttpStatusCode.BadRequest, "validation.invalid_query");

        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.GetRawText());
    }

    [Theory]
    [InlineData("/v1/keys/{key}/usage", 24)]
    [InlineData("/v1/keys/{key}/usage?granularity=minute", 60)]
    [InlineData("/v1/keys/{key}/usage?granularity=day", 30)]
    [InlineData("/v1/keys/{key}/usage?from=2026-02-01T00:00:00%2B02:00&to=2026-02-01T23:59:00Z&granularity=hour", 26)]
    [InlineData("/v1/keys/{key}/usage?from=2026-02-01T00:00:30Z&to=2026-02-02T00:00:00Z&granularity=minute", 1440)]
    [InlineData("/v1/analytics/auth-failures", 24)]
    public async Task Query_Defaults_OnePointPerBucketWithZeros(string url, int points)
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await tenant.Owner.CreateKeyAsync(new { name = "k" });

        var body = await (await tenant.Owner.GetAsync(url.Replace("{key}", key.Str("id"), StringComparison.Ordinal))).Json(HttpStatusCode.OK);

        var data = body.GetProperty("data");
        // Defaults end now, which is inside a bucket: one more bucket than whole spans when not on a boundary.
        Assert.InRange(data.GetArrayLength(), points, points + 1);
        Assert.All(data.EnumerateArray(), p => Assert.NotNull(p.Time("ts")));
    }
}

public sealed class UsageQueryValidationTests_Sqlite(SqliteFixture f) : UsageQueryValidationTests(f), IClassFixture<SqliteFixture>;

public sealed class UsageQueryValidationTests_Postgres(PostgresFixture f) : UsageQueryValidationTests(f), IClassFixture<PostgresFixture>;
