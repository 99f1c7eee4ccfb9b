using System.Net;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;

namespace Keel.Tests.Limits;

/// <summary>Usage-limited keys: a balance of credits that verify spends, exact under concurrency, refilled per UTC day or month.</summary>
public abstract class KeyCreditsTests(KeelFixture fixture)
{
    [Fact]
    public async Task ParallelVerifies_SpendExactlyTheBalance()
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await tenant.Owner.CreateKeyAsync(new { name = "metered", remaining = 12 });
        Assert.Equal(12, key.GetProperty("remaining").GetInt64());

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => tenant.Owner.VerifyAsync(key.Str("key"))));

        Assert.Equal(12, answers.Count(a => a.Code() == "VALID"));
        Assert.Equal(18, answers.Count(a => a.Code() == "QUOTA_EXCEEDED"));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i).Order(),
            answers.Where(a => a.Code() == "VALID").Select(a => a.GetProperty("remaining").GetInt64()).Order());
        Assert.Equal(0, (await tenant.Owner.GetKeyAsync(key.Str("id"))).GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task Cost_SpendsThatMany_ARefusedCallSpendsNothing_PatchTopsUp()
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await tenant.Owner.CreateKeyAsync(new { name = "metered", remaining = 5 });
        var first = await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key"), cost = 3 })).Json(HttpStatusCode.OK);
        Assert.Equal(2, first.GetProperty("remaining").GetInt64());
        var refused = await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key"), cost = 3 })).Json(HttpStatusCode.OK);
        Assert.Equal("QUOTA_EXCEEDED", refused.Code());
        Assert.Equal(2, refused.GetProperty("remaining").GetInt64());

        await (await tenant.Owner.PatchJson($"/v1/keys/{key.Str("id")}", new { remaining = 10 })).Json(HttpStatusCode.OK);
        Assert.Equal("VALID", (await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key"), cost = 3 })).Json(HttpStatusCode.OK)).Code());
        var unlimited = await (await tenant.Owner.PatchJson($"/v1/keys/{key.Str("id")}", new { remaining = (long?)null })).Json(HttpStatusCode.OK);
        Assert.True(unlimited.IsNull("remaining"));
        var free = await tenant.Owner.VerifyAsync(key.Str("key"));
        Assert.Equal("VALID", free.Code());
        Assert.True(free.IsNull("remaining"));
    }

    [Fact]
    public async Task Refill_NewDay_ReplacesTheBalance_RotationMovesIt()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var key = await tenant.Owner.CreateKeyAsync(new { name = "daily", remaining = 2, refill = new { interval = "day", amount = 3 } });
        Assert.Equal(["VALID", "VALID", "QUOTA_EXCEEDED"], new[]
        {
            (await tenant.Owner.VerifyAsync(key.Str("key"))).Code(),
            (await tenant.Owner.VerifyAsync(key.Str("key"))).Code(),
            (await tenant.Owner.VerifyAsync(key.Str("key"))).Code(),
        });

        node.Time.Advance(TimeSpan.FromDays(1));
        var refilled = await tenant.Owner.VerifyAsync(key.Str("key"));
        Assert.Equal("VALID", refilled.Code());
        Assert.Equal(2, refilled.GetProperty("remaining").GetInt64()); // 3, less this call

        var successor = await tenant.Owner.RotateAsync(key.Str("id"), 3600);
        Assert.Equal(2, successor.GetProperty("remaining").GetInt64());
        Assert.Equal("QUOTA_EXCEEDED", (await tenant.Owner.VerifyAsync(key.Str("key"))).Code()); // the balance moved
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(successor.Str("key"))).Code());
    }

    [Theory]
    [InlineData("""{"name":"k","remaining":-1}""")]
    [InlineData("""{"name":"k","refill":{"interval":"week","amount":5}}""")]
    [InlineData("""{"name":"k","refill":{"interval":"day","amount":0}}""")]
    [InlineData("""{"name":"m","kind":"management","role":"viewer","remaining":5}""")]
    public async Task Create_InvalidCredits_IsValidationFailed(string body)
    {
        var tenant = await fixture.NewTenantAsync();
        await (await tenant.Owner.PostRaw("/v1/keys", body)).Problem(HttpStatusCode.BadRequest, "validation.failed");
    }
}

public sealed class KeyCreditsTests_Sqlite(SqliteFixture f) : KeyCreditsTests(f), IClassFixture<SqliteFixture>;

public sealed class KeyCreditsTests_Postgres(PostgresFixture f) : KeyCreditsTests(f), IClassFixture<PostgresFixture>;
