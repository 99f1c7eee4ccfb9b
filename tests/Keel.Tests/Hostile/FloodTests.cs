using System.Net;
using System.Security.Cryptography;
using Keel.Http;
using Keel.Keys;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

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
            new Dictionary<string, string?> { ["Keys:NegativeCacheMaxEntries"] = "1000", ["Webhooks:DispatcherEnabled"] = "false" });
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
        Assert.InRange(cache.MissingCount, 1, 1000);
        if (fixture.Provider == Provider.Postgres)
        {
            await TestServers.DropPostgresDatabaseAsync(database);
        }
    }
}

public sealed class FloodTests_Sqlite(SqliteFixture f) : FloodTests(f), IClassFixture<SqliteFixture>;

public sealed class FloodTests_Postgres(PostgresFixture f) : FloodTests(f), IClassFixture<PostgresFixture>;

/// <summary>
/// Secrets Keel could not have issued are refused before the key cache or the database sees them: no lookup, no
/// entry, and the heap stays within a bound that 100,000 cached answers would pass. They measure the heap: alone.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class JunkSecretFloodTests(ITestOutputHelper output)
{
    const int Requests = 100_000;
    // Half of what 100,000 "no such key" answers would take (docs/security.md): a cached answer per secret fails it.
    const long MaxGrowthBytes = 16L << 20;

    static readonly Func<string>[] Junk =
    [
        () => "keel_sk_" + FloodTests.Random62(20),
        () => "acme_live_" + FloodTests.Random62(32),
        () => FloodTests.Random62(40),
        () => "keel_sk_" + FloodTests.Random62(33) + "!",
        () => "Acme_" + FloodTests.Random62(33),
        () => "acme__" + FloodTests.Random62(33),
    ];

    static KeelNode StartNode(KeyLookups lookups) => new(Provider.Sqlite, TestServers.NewSqliteDatabase(), KeelFixture.AdminToken,
        new Dictionary<string, string?> { ["Webhooks:DispatcherEnabled"] = "false" },
        services => services.ConfigureDbContext<SqliteKeelDb>(o => o.AddInterceptors(lookups)));

    [Fact]
    public async Task Bearer_100000SecretsNotShapedLikeKeys_RefusedWithoutALookupOrACacheEntry()
    {
        var lookups = new KeyLookups();
        await using var node = StartNode(lookups);
        using var client = node.CreateClient();
        var cache = node.Services.GetRequiredService<KeyCache>();
        // The one secret of the right shape is looked up (the counter counts), and remembered as unknown.
        await Refused(client, "keel_sk_" + FloodTests.Random62(BearerSecrets.RandomChars));
        Assert.Equal(1, lookups.Count);
        var (keys, missing) = (cache.Count, cache.MissingCount);
        var before = FloodTests.SettledMemory();

        var statuses = await FloodTests.FloodAsync(Requests, async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/keys");
            request.Headers.Authorization = new("Bearer", Junk[i % Junk.Length]());
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        });

        Assert.Equal(Requests, statuses.GetValueOrDefault(HttpStatusCode.Unauthorized));
        Assert.Equal(1, lookups.Count);
        Assert.Equal((keys, missing), (cache.Count, cache.MissingCount));
        var grown = FloodTests.SettledMemory() - before;
        output.WriteLine($"{Requests} secrets refused; managed heap grew {grown / 1024} KB");
        Assert.True(grown < MaxGrowthBytes, $"managed memory grew by {grown >> 20} MB");
    }

    [Fact]
    public async Task Verify_100000KeysNotShapedLikeKeys_NotFoundWithoutALookupOrACacheEntry()
    {
        var lookups = new KeyLookups();
        await using var node = StartNode(lookups);
        using var admin = node.ClientWith(KeelFixture.AdminToken);
        var tenant = await KeelFixture.NewTenantAsync(node, admin);
        // In process: through HTTP this many verifications would take minutes on a small machine.
        var verifier = node.Services.GetRequiredService<KeyVerifier>();
        var cache = node.Services.GetRequiredService<KeyCache>();
        var control = await verifier.VerifyAsync(tenant.Id, "acme_live_" + FloodTests.Random62(BearerSecrets.RandomChars), null, CancellationToken.None);
        Assert.Equal(VerifyCodes.NotFound, control.Code);
        var looked = lookups.Count;
        Assert.True(looked >= 1);
        var (keys, missing) = (cache.Count, cache.MissingCount);
        var before = FloodTests.SettledMemory();

        var codes = await FloodTests.FloodAsync(Requests, async i =>
            (await verifier.VerifyAsync(tenant.Id, Junk[i % Junk.Length](), null, CancellationToken.None)).Code == VerifyCodes.NotFound
                ? HttpStatusCode.OK : HttpStatusCode.InternalServerError);

        Assert.Equal(Requests, codes.GetValueOrDefault(HttpStatusCode.OK));
        Assert.Equal(looked, lookups.Count);
        Assert.Equal((keys, missing), (cache.Count, cache.MissingCount));
        var grown = FloodTests.SettledMemory() - before;
        output.WriteLine($"{Requests} secrets refused; managed heap grew {grown / 1024} KB");
        Assert.True(grown < MaxGrowthBytes, $"managed memory grew by {grown >> 20} MB");
    }

    static async Task Refused(HttpClient client, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/keys");
        request.Headers.Authorization = new("Bearer", secret);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
