using System.Net;
using Keel.Jobs;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Keys;

/// <summary>
/// Two worker nodes on one PostgreSQL database, sharing a clock the test moves: each due key is rotated
/// once and announced once, whether the nodes' schedulers run under the lease or (the lease lost) at once.
/// PostgreSQL only: the lease is an advisory lock, and SQLite is a single node.
/// </summary>
public sealed class RotationSchedulerClusterTests : IAsyncLifetime
{
    const int Keys = 20;
    readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    string _db = "";
    // Properties, not fields: DisposeAsync disposes them (CA1001 does not know IAsyncLifetime).
    KeelNode First { get; set; } = null!;
    KeelNode Second { get; set; } = null!;

    public async Task InitializeAsync()
    {
        _db = await TestServers.NewPostgresDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Keys:RotationScanInterval"] = "00:01:00",
            ["Webhooks:DispatcherEnabled"] = "false",
            ["Keel:MasterKey"] = WebhookFixture.MasterKey,
        };
        First = new KeelNode(Provider.Postgres, _db, KeelFixture.AdminToken, settings, s => s.AddSingleton<TimeProvider>(_time));
        Second = new KeelNode(Provider.Postgres, _db, KeelFixture.AdminToken, settings, s => s.AddSingleton<TimeProvider>(_time));
        foreach (var node in new[] { First, Second })
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            (await admin.GetAsync("/health/ready")).EnsureSuccessStatusCode();
        }
    }

    public async Task DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await TestServers.DropPostgresDatabaseAsync(_db);
    }

    [Fact]
    public async Task TwoNodesScanningAtOnce_EachDueKeyRotatedAndAnnouncedOnce()
    {
        var (tenant, ids) = await DueKeysAsync();
        // Due now, and the background schedulers' next scans are still half a minute away.
        _time.Advance(TimeSpan.FromSeconds(30));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() =>
            (i % 2 == 0 ? First : Second).Services.GetRequiredService<RotationScheduler>().RunOnceAsync(default))));

        await AssertRotatedOnceAsync(tenant, ids);
    }

    [Fact]
    public async Task TwoNodesRunningTheScheduler_TheLeaseHolderRotatesEachDueKeyOnce()
    {
        var (tenant, ids) = await DueKeysAsync();

        // Each step wakes both nodes' schedulers; only the holder of the lease scans.
        await Eventually.TrueAsync(async () =>
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            return (await RotatedEventsAsync(tenant)).Length >= Keys;
        });
        await AssertRotatedOnceAsync(tenant, ids);

        // A day on, the successors fall due: once they are rotated, the schedulers have scanned well past the first
        // rotations, and no scan rotated a first key again.
        _time.Advance(TimeSpan.FromDays(1));
        await Eventually.TrueAsync(async () =>
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            return (await RotatedEventsAsync(tenant)).Length >= 2 * Keys;
        });
        var events = await RotatedEventsAsync(tenant);
        Assert.Equal(2 * Keys, events.Length);
        Assert.Equal(ids.Order(), events.Select(e => e.GetProperty("payload").Str("old_key_id")).Where(ids.Contains).Order());
    }

    /// <summary>Keys on a 1-day schedule, and the clock moved to half a minute before they are due.</summary>
    async Task<(TestTenant Tenant, string[] Ids)> DueKeysAsync()
    {
        using var admin = First.ClientWith(KeelFixture.AdminToken);
        var tenant = await KeelFixture.NewTenantAsync(First, admin);
        var ids = new string[Keys];
        for (var i = 0; i < Keys; i++)
        {
            ids[i] = (await tenant.Owner.CreateKeyAsync(new { name = $"k{i}", rotation = new { every_days = 1, notify_days_before = 0 } })).Str("id");
        }
        _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(30));
        return (tenant, ids);
    }

    static async Task AssertRotatedOnceAsync(TestTenant tenant, string[] ids)
    {
        var events = await RotatedEventsAsync(tenant);
        Assert.Equal(ids.Order(), events.Select(e => e.GetProperty("payload").Str("old_key_id")).Order());
        foreach (var id in ids)
        {
            var successorId = (await tenant.Owner.GetKeyAsync(id)).Str("rotated_to_id");
            Assert.Equal(id, (await tenant.Owner.GetKeyAsync(successorId)).Str("rotated_from_id"));
        }
        var clients = await (await tenant.Owner.GetAsync("/v1/keys?kind=client&limit=200")).Json(HttpStatusCode.OK);
        Assert.Equal(2 * Keys, clients.Ids().Length);
    }

    static async Task<System.Text.Json.JsonElement[]> RotatedEventsAsync(TestTenant tenant)
    {
        var page = await (await tenant.Owner.GetAsync("/v1/events?type=key.rotated&limit=200")).Json(HttpStatusCode.OK);
        return [.. page.GetProperty("data").EnumerateArray()];
    }
}
