using Keel.Tests.Infrastructure;

namespace Keel.Tests.Webhooks;

/// <summary>
/// PostgreSQL only (it tests NOTIFY): a publish on an API node wakes the worker on another node at
/// once, although that worker polls only every 30 s.
/// </summary>
public sealed class CrossNodeWakeTests
{
    [Fact]
    public async Task PublishOnApiNode_WakesWorkerNodeByNotify_WellBeforeItsPoll()
    {
        var api = await WebhookFixture.StartNodeAsync(Provider.Postgres, new Dictionary<string, string?> { ["Webhooks:DispatcherEnabled"] = "false" });
        var worker = await WebhookFixture.StartNodeAsync(Provider.Postgres, new Dictionary<string, string?> { ["Webhooks:PollInterval"] = "00:00:30" }, api.ConnectionString);
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            using var admin = api.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(api, admin);
            await tenant.Owner.CreateEndpointAsync(receiver);
            // The worker's first poll after start may still be pending; let it pass before timing.
            await Task.Delay(1000);

            for (var i = 0; i < 3; i++)
            {
                var started = DateTime.UtcNow;
                var eventId = (await tenant.Owner.PublishAsync("a.b", new { i })).Str("id");
                await Eventually.TrueAsync(() => receiver.For(eventId).Length == 1, TimeSpan.FromSeconds(10), () => $"event {i} not delivered");
                Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), $"event {i} took {(DateTime.UtcNow - started).TotalSeconds:0.0} s: the worker was not woken");
            }
        }
        finally
        {
            await worker.DisposeAsync();
            await api.StopAsync();
        }
    }
}
