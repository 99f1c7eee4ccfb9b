using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Infrastructure;

/// <summary>
/// A Keel node of its own, on a fresh database, whose clock moves only when the test moves it: expiry,
/// grace periods and the last-used throttle are tested without sleeping.
/// </summary>
public sealed class FakeClockNode : IAsyncDisposable
{
    FakeClockNode(FakeTimeProvider time, KeelNode node)
    {
        Time = time;
        Node = node;
        Admin = node.ClientWith(KeelFixture.AdminToken);
    }

    public FakeTimeProvider Time { get; }
    public KeelNode Node { get; }
    public HttpClient Admin { get; }

    public static async Task<FakeClockNode> StartAsync(Provider provider, IReadOnlyDictionary<string, string?>? extraSettings = null)
    {
        // Whole seconds, so times read back from either database compare exactly.
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var time = new FakeTimeProvider(start);
        // The background flush must not race the test's own FlushAsync/Drain calls; the longest
        // period a PeriodicTimer accepts is about 49 days, far more than any test advances the clock.
        // The same for the rotation scheduler and the anomaly scanner: tests run their scans themselves.
        var settings = new Dictionary<string, string?>
        {
            ["Keys:LastUsedFlushInterval"] = "40.00:00:00",
            ["Keys:RotationScanInterval"] = "40.00:00:00",
            ["Anomalies:ScanInterval"] = "40.00:00:00",
        };
        foreach (var (name, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[name] = value;
        }
        var node = await KeelNode.StartAsync(provider, settings, services: s => s.AddSingleton<TimeProvider>(time));
        return new FakeClockNode(time, node);
    }

    public DateTimeOffset Now => Time.GetUtcNow();

    public Task<TestTenant> NewTenantAsync() => KeelFixture.NewTenantAsync(Node, Admin);

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Node.StopAsync();
    }
}
