using System.Net;
using System.Text.Json;
using Keel.Limits;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;
using Keel.Tests.Webhooks;

namespace Keel.Tests.Limits;

/// <summary>Soft limits and exhaustion reach the tenant's webhook endpoints, once per mark per period.</summary>
public abstract class QuotaEventsTests(Provider provider)
{
    [Fact]
    public async Task KeyQuota_CrossingMarks_AnnouncedOnceEach()
    {
        var node = await WebhookFixture.StartNodeAsync(provider);
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "quota.*" } });
            var plan = await (await tenant.Owner.PostJson("/v1/rate-plans", new { name = "metered", quota = new { period = "day", limit = 4, soft_limits = new[] { 0.5, 0.75 } } }))
                .Json(HttpStatusCode.Created);
            var key = await tenant.Owner.CreateKeyAsync(new { name = "k", plan_id = plan.Str("id") });

            var codes = new List<string>();
            for (var i = 0; i < 7; i++)
            {
                codes.Add((await tenant.Owner.VerifyAsync(key.Str("key"))).Code());
            }
            Assert.Equal(["VALID", "VALID", "VALID", "VALID", "QUOTA_EXCEEDED", "QUOTA_EXCEEDED", "QUOTA_EXCEEDED"], codes);

            // The events are staged by the verifications themselves: once a later one is sent, a wrong extra one would be too.
            await tenant.Owner.DispatchedUpToNowAsync(receiver);
            var events = receiver.Requests.Where(r => r.PathAndQuery == "/hook").Select(r => JsonDocument.Parse(r.Body).RootElement).OrderBy(e => e.GetProperty("data").GetProperty("used").GetInt64()).ToList();
            Assert.Equal(["quota.threshold_reached", "quota.threshold_reached", "quota.exhausted"], events.Select(e => e.Str("type")));
            Assert.Equal([0.5, 0.75], events.Take(2).Select(e => e.GetProperty("data").GetProperty("threshold").GetDouble()));
            Assert.Equal([2L, 3L, 4L], events.Select(e => e.GetProperty("data").GetProperty("used").GetInt64()));
            Assert.All(events, e => Assert.Equal(key.Str("id"), e.GetProperty("data").Str("key_id")));
        }
        finally
        {
            await node.StopAsync();
        }
    }
}

public sealed class QuotaEventsTests_Sqlite() : QuotaEventsTests(Provider.Sqlite);

public sealed class QuotaEventsTests_Postgres() : QuotaEventsTests(Provider.Postgres);

public sealed class QuotaMarksTests
{
    [Theory]
    [InlineData(1, 1, 10, "")]
    [InlineData(8, 1, 10, "quota.threshold_reached:0.8")]
    [InlineData(9, 2, 10, "quota.threshold_reached:0.8 quota.threshold_reached:0.9")]
    [InlineData(10, 5, 10, "quota.threshold_reached:0.8 quota.threshold_reached:0.9 quota.exhausted:")]
    [InlineData(10, 1, 10, "quota.exhausted:")]
    [InlineData(9, 1, 10, "quota.threshold_reached:0.9")]
    public void Crossed_MarksBetweenBeforeAndAfter(long used, long cost, long limit, string expected)
    {
        var crossed = QuotaEvents.Crossed(used, cost, limit, [0.8, 0.9]).Select(c => $"{c.Type}:{c.Threshold?.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        Assert.Equal(expected, string.Join(' ', crossed));
    }
}
