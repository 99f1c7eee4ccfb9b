using System.Globalization;
using System.Text.RegularExpressions;
using Keel.Tests.Infrastructure;
using Npgsql;

namespace Keel.Tests.Webhooks;

/// <summary>
/// A worker holds at most <c>Webhooks:MaxConcurrency</c> deliveries, sent or not, until their outcomes are
/// recorded. PostgreSQL only: there the recorder can be stalled alone, by locking the attempts table that
/// only it writes; on SQLite claims and records wait for the same single writer.
/// Alone: OpenTelemetry's listener picks meters by name across the process, so other in-process nodes' dispatchers
/// (started or stopped) would report into this node's gauge.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed partial class OutcomeBoundTests
{
    [Fact]
    public async Task RecorderStalled_WorkerSendsNoMoreThanMaxConcurrency_UntilOutcomesAreRecorded()
    {
        var node = await WebhookFixture.StartNodeAsync(Provider.Postgres, new Dictionary<string, string?> { ["Webhooks:MaxConcurrency"] = "3" });
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            await tenant.Owner.CreateEndpointAsync(receiver);
            await using var stall = new NpgsqlConnection(node.ConnectionString);
            await stall.OpenAsync();
            var tx = await stall.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand("LOCK TABLE webhook_attempts IN SHARE MODE", stall, tx))
            {
                await command.ExecuteNonQueryAsync();
            }

            var ids = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i => (await tenant.Owner.PublishAsync("a.b", new { i })).Str("id")));
            await Eventually.TrueAsync(() => receiver.Requests.Count >= 3, describe: () => $"{receiver.Requests.Count} sent");
            await Task.Delay(1500); // several polls (200 ms) in which a worker not bounded by its recorder would send the rest
            Assert.Equal(3, receiver.Requests.Count);
            Assert.Equal(3, await UnrecordedAsync(admin));

            await tx.RollbackAsync();
            await tx.DisposeAsync();
            foreach (var id in ids)
            {
                await tenant.Owner.WaitForDeliveryAsync(id, "succeeded");
            }
            Assert.Equal(10, receiver.Requests.Count);
            await Eventually.TrueAsync(async () => await UnrecordedAsync(admin) == 0);
        }
        finally
        {
            await node.StopAsync();
        }
    }

    static async Task<int> UnrecordedAsync(HttpClient admin)
    {
        var metrics = await (await admin.GetAsync("/metrics")).Content.ReadAsStringAsync();
        var gauge = Gauge().Match(metrics);
        Assert.True(gauge.Success, "no keel_webhooks_outcomes_unrecorded in /metrics");
        return int.Parse(gauge.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^keel_webhooks_outcomes_unrecorded(?:\{[^}]*\})? (\d+)", RegexOptions.Multiline)]
    private static partial Regex Gauge();
}
