using System.Diagnostics;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Webhooks;

/// <summary>Ordered endpoints and per-endpoint rate limits, which Svix's open-source server does not have.</summary>
public abstract class OrderingAndRateTests(WebhookFixture fixture)
{
    [Fact]
    public async Task OrderedEndpoint_FailingMiddleEvent_LaterEventsWaitForIt()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync();
        var middleFailures = 0;
        // The third event (i = 2) fails twice, then succeeds.
        receiver.Respond = r => r.BodyText.Contains("\"i\":2", StringComparison.Ordinal) && Interlocked.Increment(ref middleFailures) <= 2
            ? new ReceiverResponse(500)
            : new ReceiverResponse(200);
        await tenant.Owner.CreateEndpointAsync(receiver, new { ordered = true });

        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await tenant.Owner.PublishAsync("seq.item", new { i })).Str("id"));
        }
        // In order, the last one succeeds only after all the others.
        await tenant.Owner.WaitForDeliveryAsync(ids[^1], "succeeded");

        var order = receiver.Requests.Select(r => r.Headers["webhook-id"]).ToList();
        // The middle one was sent three times in a row (two failures, then success) before anything after it.
        Assert.Equal([ids[0], ids[1], ids[2], ids[2], ids[2], ids[3], ids[4], ids[5]], order);
    }

    [Fact]
    public async Task RateLimitedEndpoint_NeverExceedsItsRate_AndDeferralsAreNotFailures()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var arrivals = TimeArrivals(receiver);
        var tenant = await fixture.NewTenantAsync();
        const int rate = 5;
        await tenant.Owner.CreateEndpointAsync(receiver, new { rate_limit_per_second = rate });

        var ids = await Task.WhenAll(Enumerable.Range(0, 15).Select(async i => (await tenant.Owner.PublishAsync("burst.item", new { i })).Str("id")));
        await Eventually.TrueAsync(() => arrivals.Count >= ids.Length, TimeSpan.FromSeconds(30), () => $"{arrivals.Count} arrived");

        var times = arrivals.Order().Select(t => Stopwatch.GetElapsedTime(arrivals.Min(), t).TotalSeconds).ToArray();
        // 15 sends at 5/s, evenly spaced, take at least 14 intervals of 0.2 s; any rate+1 consecutive
        // sends span at least a second, less a margin for noise on the way to the receiver (the first send
        // also opens the connection, which arrives late by up to 0.17 s on a loaded 2-core machine).
        Assert.True(times[^1] >= 2.5, $"15 sends took {times[^1]:0.00} s");
        for (var i = 0; i + rate < times.Length; i++)
        {
            // 0.1 s of that second may go to a late send keeping its slot (EndpointRateLimiter.CatchUp).
            Assert.True(times[i + rate] - times[i] >= 0.65, $"sends {i}..{i + rate} within {times[i + rate] - times[i]:0.00} s");
        }
        foreach (var id in ids)
        {
            var delivery = await tenant.Owner.WaitForDeliveryAsync(id, "succeeded");
            // A wait for the limit is never an attempt: every attempt recorded is a request the receiver got
            // (a slow machine may time one out and send again, which is an attempt like any other).
            Assert.Equal(receiver.For(id).Length, delivery.GetProperty("attempt_count").GetInt32());
        }
    }

    [Fact]
    public async Task RateLimitedEndpoint_WithABacklog_DeliversAtCloseToItsRate()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var arrivals = TimeArrivals(receiver);
        var tenant = await fixture.NewTenantAsync();
        const int rate = 20, events = 40;
        await tenant.Owner.CreateEndpointAsync(receiver, new { rate_limit_per_second = rate });

        await Task.WhenAll(Enumerable.Range(0, events).Select(i => tenant.Owner.PublishAsync("backlog.item", new { i })));
        await Eventually.TrueAsync(() => arrivals.Count >= events, TimeSpan.FromSeconds(60), () => $"{arrivals.Count} arrived");

        var times = arrivals.Order().Select(t => Stopwatch.GetElapsedTime(arrivals.Min(), t).TotalSeconds).ToArray();
        // A put-off delivery is claimed when its slot comes, not at the next poll, which held any limit to about
        // one delivery per poll (5/s here, 8/s is the bound). The bound leaves room for a loaded machine; bench/ measures the rate.
        var achieved = (events - 1) / times[^1];
        Assert.True(achieved >= 0.4 * rate, $"{events} deliveries at {achieved:0.0}/s, limit {rate}/s; gaps (ms) {string.Join(' ', times.Zip(times.Skip(1), (a, b) => ((b - a) * 1000).ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}");
        for (var i = 0; i + rate < times.Length; i++)
        {
            Assert.True(times[i + rate] - times[i] >= 0.75, $"sends {i}..{i + rate} within {times[i + rate] - times[i]:0.00} s");
        }
    }

    /// <summary>The receiver answers 200 and notes when each request came (Stopwatch timestamps).</summary>
    static System.Collections.Concurrent.ConcurrentQueue<long> TimeArrivals(LoopbackReceiver receiver)
    {
        var arrivals = new System.Collections.Concurrent.ConcurrentQueue<long>();
        receiver.Respond = _ =>
        {
            arrivals.Enqueue(Stopwatch.GetTimestamp());
            return new ReceiverResponse(200);
        };
        return arrivals;
    }
}

public sealed class OrderingAndRateTests_Sqlite(WebhookSqliteFixture f) : OrderingAndRateTests(f), IClassFixture<WebhookSqliteFixture>;

public sealed class OrderingAndRateTests_Postgres(WebhookPostgresFixture f) : OrderingAndRateTests(f), IClassFixture<WebhookPostgresFixture>;
