using System.Net;
using System.Text.Json;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;
using Keel.Usage;
using Keel.Usage.Anomalies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Usage;

/// <summary>
/// Anomaly detection end to end on a clock the test moves: verifications counted, flushed, scanned minute
/// by minute; a burst after hours of steady traffic is stored, listed, and published as <c>anomaly.detected</c>.
/// </summary>
public abstract class AnomalyDetectionTests(Provider provider)
{
    const int SteadyMinutes = 180;

    sealed record Minute(FakeClockNode Node)
    {
        UsageFlusher Flusher => Node.Node.Services.GetRequiredService<UsageFlusher>();
        AnomalyScanner Scanner => Node.Node.Services.GetRequiredService<AnomalyScanner>();

        /// <summary>Closes the current minute: flush, move past the settle delay, scan.</summary>
        public async Task<int> EndAsync()
        {
            await Flusher.FlushAsync(CancellationToken.None);
            Node.Time.Advance(TimeSpan.FromMinutes(1));
            return await Scanner.ScanAsync(CancellationToken.None);
        }
    }

    static async Task<FakeClockNode> StartAsync(Provider provider)
    {
        // Two hours of warm-up instead of a day keeps the test short; the detector is the same.
        var node = await FakeClockNode.StartAsync(provider, new Dictionary<string, string?> { ["Anomalies:WarmUp"] = "02:00:00" });
        // Half a minute past a minute boundary: the scan after each advance sees exactly the minute just closed.
        var now = node.Now;
        node.Time.Advance(TimeSpan.FromSeconds(90 - (now.ToUnixTimeSeconds() % 60)));
        return node;
    }

    [Fact]
    public async Task BurstOfTraffic_AfterSteadyHours_IsOneAnomalyWithEvidence_ListedAndPublished()
    {
        await using var node = await StartAsync(provider);
        var tenant = await node.NewTenantAsync();
        var other = await node.NewTenantAsync();
        var key = await tenant.Owner.CreateKeyAsync(new { name = "steady" });
        var quiet = await other.Owner.CreateKeyAsync(new { name = "other tenant" });
        var minute = new Minute(node);

        for (var i = 0; i < SteadyMinutes; i++)
        {
            // 8 to 12 calls a minute, in a fixed pattern so the run is repeatable.
            await VerifyAsync(tenant.Owner, key.Str("key"), 8 + (i * 7 % 5));
            await VerifyAsync(other.Owner, quiet.Str("key"), 3);
            Assert.Equal(0, await minute.EndAsync());
        }
        var burstMinute = DateTimeOffset.FromUnixTimeSeconds(node.Now.ToUnixTimeSeconds() / 60 * 60);
        await VerifyAsync(tenant.Owner, key.Str("key"), 80);
        Assert.Equal(1, await minute.EndAsync());

        var anomalies = await ListAsync(tenant.Owner, "");
        var anomaly = Assert.Single(anomalies);
        Assert.Equal("key_traffic", anomaly.Str("series"));
        Assert.Equal(key.Str("id"), anomaly.Str("key_id"));
        Assert.Equal(burstMinute.UtcDateTime, anomaly.GetProperty("ts").GetDateTime());
        Assert.Equal(80, anomaly.GetProperty("observed").GetDouble());
        var expected = anomaly.GetProperty("expected");
        Assert.InRange(expected.GetProperty("baseline").GetDouble(), 6, 14);
        Assert.True(expected.GetProperty("high").GetDouble() < 80, "the observed value is above the expected range");
        Assert.InRange(anomaly.GetProperty("score").GetDouble(), 0.5, 1);

        var events = await (await tenant.Owner.GetAsync("/v1/events?type=anomaly.detected")).Json(HttpStatusCode.OK);
        var published = Assert.Single(events.GetProperty("data").EnumerateArray());
        Assert.Equal(anomaly.Str("id"), published.GetProperty("payload").Str("id"));
        Assert.Equal(80, published.GetProperty("payload").GetProperty("observed").GetDouble());

        Assert.Empty(await ListAsync(other.Owner, ""));
        Assert.Single(await ListAsync(tenant.Owner, $"?series=key_traffic&key_id={key.Str("id")}"));
        Assert.Empty(await ListAsync(tenant.Owner, "?series=auth_failures"));
        Assert.Empty(await ListAsync(tenant.Owner, $"?from={UsageRequests.Rfc3339(burstMinute.AddMinutes(1))}"));
    }

    [Fact]
    public async Task BurstOfUnknownKeys_IsAnAuthFailureAnomalyOfTheTenant()
    {
        await using var node = await StartAsync(provider);
        var tenant = await node.NewTenantAsync();
        var minute = new Minute(node);
        for (var i = 0; i < SteadyMinutes; i++)
        {
            await VerifyAsync(tenant.Owner, UsageRequests.UnknownKey("acme_live"), 1 + (i % 3));
            Assert.Equal(0, await minute.EndAsync());
        }
        await VerifyAsync(tenant.Owner, UsageRequests.UnknownKey("acme_live"), 60);
        Assert.Equal(1, await minute.EndAsync());

        var anomaly = Assert.Single(await ListAsync(tenant.Owner, ""));
        Assert.Equal("auth_failures", anomaly.Str("series"));
        Assert.Equal(JsonValueKind.Null, anomaly.GetProperty("key_id").ValueKind);
        Assert.Equal(60, anomaly.GetProperty("observed").GetDouble());
    }

    [Fact]
    public async Task RepeatedScan_OfTheSameMinutes_StoresNothingTwice()
    {
        await using var node = await StartAsync(provider);
        var tenant = await node.NewTenantAsync();
        var key = await tenant.Owner.CreateKeyAsync(new { name = "steady" });
        var minute = new Minute(node);
        for (var i = 0; i < SteadyMinutes; i++)
        {
            await VerifyAsync(tenant.Owner, key.Str("key"), 10);
            await minute.EndAsync();
        }
        await VerifyAsync(tenant.Owner, key.Str("key"), 90);
        await minute.EndAsync();
        Assert.Single(await ListAsync(tenant.Owner, ""));

        // A node that takes the lease over trains on the recent minutes, finds the burst again, and stores nothing twice.
        var monitor = node.Node.Services.GetRequiredService<AnomalyMonitor>();
        var scanner = node.Node.Services.GetRequiredService<AnomalyScanner>();
        scanner.Forget();
        Assert.Equal(0, monitor.Count);
        Assert.Equal(0, await scanner.ScanAsync(CancellationToken.None));
        Assert.Equal(1, monitor.Count);
        Assert.Single(await ListAsync(tenant.Owner, ""));

        // The same series and interval found again (a scan repeated after a crash) adds no row and no event.
        await using var scope = node.Node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var stored = await db.Anomalies.AsNoTracking().SingleAsync();
        var again = new Anomaly
        {
            Id = Ids.New("anom"),
            TenantId = stored.TenantId,
            Kind = stored.Kind,
            KeyId = stored.KeyId,
            IntervalStart = stored.IntervalStart,
            IntervalSeconds = 60,
            Score = 0.9,
            Observed = stored.Observed,
        };
        Assert.Equal(0, await scanner.StoreAsync(db, [again], CancellationToken.None));
        Assert.Single(await ListAsync(tenant.Owner, ""));
        var events = await (await tenant.Owner.GetAsync("/v1/events?type=anomaly.detected")).Json(HttpStatusCode.OK);
        Assert.Single(events.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task NodeTakingTheLeaseOver_TrainsOnRecentMinutes_AndDetectsAtOnce()
    {
        await using var node = await StartAsync(provider);
        var tenant = await node.NewTenantAsync();
        var key = await tenant.Owner.CreateKeyAsync(new { name = "steady" });
        var minute = new Minute(node);
        for (var i = 0; i < SteadyMinutes; i++)
        {
            await VerifyAsync(tenant.Owner, key.Str("key"), 8 + (i * 7 % 5));
            await minute.EndAsync();
        }

        // The scanning node is gone; its successor has no state of its own. Without the replay it would be
        // warming up for Anomalies:WarmUp and miss the burst.
        node.Node.Services.GetRequiredService<AnomalyScanner>().Forget();
        await VerifyAsync(tenant.Owner, key.Str("key"), 80);
        Assert.Equal(1, await minute.EndAsync());
        Assert.Equal(80, Assert.Single(await ListAsync(tenant.Owner, "")).GetProperty("observed").GetDouble());
    }

    [Theory]
    [InlineData("?series=traffic", "series")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?to=2026-13-01T00:00:00Z", "to")]
    [InlineData("?limit=0", "limit")]
    public async Task MalformedQuery_IsInvalidQuery(string query, string field)
    {
        await using var node = await StartAsync(provider);
        var tenant = await node.NewTenantAsync();
        var problem = await (await tenant.Owner.GetAsync("/v1/anomalies" + query)).Problem(HttpStatusCode.BadRequest, "validation.invalid_query");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}");
    }

    static async Task VerifyAsync(HttpClient client, string key, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await client.VerifyAsync(key);
        }
    }

    static async Task<JsonElement[]> ListAsync(HttpClient client, string query) =>
        [.. (await (await client.GetAsync("/v1/anomalies" + query)).Json(HttpStatusCode.OK)).GetProperty("data").EnumerateArray()];
}

public sealed class AnomalyDetectionTests_Sqlite() : AnomalyDetectionTests(Provider.Sqlite);

public sealed class AnomalyDetectionTests_Postgres() : AnomalyDetectionTests(Provider.Postgres);
