using System.Net;
using System.Security.Cryptography;
using Keel.Keys;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Hostile;

/// <summary>Issue 11, point 3: what arrives from outside in bulk must not make a node's memory grow without bound.</summary>
public abstract class FloodTests(KeelFixture fixture)
{
    const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    internal static string Random62(int length) => RandomNumberGenerator.GetString(Base62, length);

    /// <summary>Sends <paramref name="total"/> requests from 8 loops; returns how many got each status.</summary>
    internal static async Task<Dictionary<HttpStatusCode, int>> FloodAsync(int total, Func<int, Task<HttpStatusCode>> send)
    {
        var next = -1;
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<HttpStatusCode, int>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < total; i = Interlocked.Increment(ref next))
            {
                counts.AddOrUpdate(await send(i), 1, (_, n) => n + 1);
            }
        })));
        return new(counts);
    }

    internal static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    [Fact]
    public async Task Verify_RandomKeysOfTheRightShape_KeyCacheStaysWithinItsLimit()
    {
        var database = await KeelFixture.NewDatabaseAsync(fixture.Provider);
        await using var node = new KeelNode(fixture.Provider, database, KeelFixture.AdminToken,
            new Dictionary<string, string?> { ["Keys:CacheMaxEntries"] = "1000", ["Webhooks:DispatcherEnabled"] = "false" });
        using var admin = node.ClientWith(KeelFixture.AdminToken);
        var tenant = await KeelFixture.NewTenantAsync(node, admin);
        // Unlimited on purpose: this is about the node's memory, not the tenant's plan.
        await (await admin.PatchJson($"/v1/tenants/{tenant.Id}", new { plan_id = (string?)null })).Json(HttpStatusCode.OK);
        var cache = node.Services.GetRequiredService<KeyCache>();

        var statuses = await FloodAsync(2_000, async _ =>
        {
            using var response = await tenant.Owner.PostJson("/v1/keys/verify", new { key = "acme_live_" + Random62(33) });
            return response.StatusCode;
        });

        Assert.Equal(2_000, statuses.GetValueOrDefault(HttpStatusCode.OK));
        Assert.InRange(cache.Count, 1, 1000);
        if (fixture.Provider == Provider.Postgres)
        {
            await TestServers.DropPostgresDatabaseAsync(database);
        }
    }
}

public sealed class FloodTests_Sqlite(SqliteFixture f) : FloodTests(f), IClassFixture<SqliteFixture>;

public sealed class FloodTests_Postgres(PostgresFixture f) : FloodTests(f), IClassFixture<PostgresFixture>;

/// <summary>Bearer secrets are refused before storage is asked, so one provider tells all. It measures the heap: alone.</summary>
[Collection(RunsAlone.Name)]
public sealed class BearerFloodTests(SqliteFixture fixture) : IClassFixture<SqliteFixture>
{
    [Fact]
    public async Task Bearer_100000SecretsNotShapedLikeKeys_RefusedWithoutTouchingTheKeyCache()
    {
        var cache = fixture.Node.Services.GetRequiredService<KeyCache>();
        var shapes = new Func<string>[]
        {
            () => "keel_sk_" + FloodTests.Random62(20),
            () => "acme_live_" + FloodTests.Random62(33),
            () => FloodTests.Random62(40),
            () => "keel_sk_" + FloodTests.Random62(32) + "!",
        };
        using var client = fixture.Node.CreateClient();
        var entries = cache.Count;
        var before = FloodTests.SettledMemory();

        var statuses = await FloodTests.FloodAsync(100_000, async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/keys");
            request.Headers.Authorization = new("Bearer", shapes[i % shapes.Length]());
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        });

        Assert.Equal(100_000, statuses.GetValueOrDefault(HttpStatusCode.Unauthorized));
        Assert.Equal(entries, cache.Count);
        var grown = FloodTests.SettledMemory() - before;
        Assert.True(grown < 32 * 1024 * 1024, $"managed memory grew by {grown / 1024 / 1024} MB");
    }
}
