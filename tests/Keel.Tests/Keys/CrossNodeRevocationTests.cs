using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Keel.Http;
using Keel.Tests.Infrastructure;
using Npgsql;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Keel.Tests.Keys;

/// <summary>
/// "A revocation is effective at once on the node that made it and within 1 s on every other node":
/// two Keel instances on one PostgreSQL database, each with its own key cache and its own listener.
/// </summary>
/// <remarks>
/// Both caches keep a key for five minutes, and each test lets earlier notifications land before it
/// caches a key on the second node, so only the change's own notification can make that node forget
/// it. <see cref="Verify_RowRevokedBehindKeelsBack_StaysValidUntilAChangeIsAnnounced"/> shows that the
/// second node really answers from its cache.
/// </remarks>
public abstract class CrossNodeRevocationTests(TwoNodeFixture nodes, ITestOutputHelper output)
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Revoke_OnFirstNode_RevokedThereAtOnceAndOnSecondNodeWithinOneSecond()
    {
        var tenant = await nodes.NewTenantAsync();
        var (id, secret) = await CreateClientKeyAsync(tenant.OnFirst);
        await nodes.DrainNotificationsAsync();
        Assert.Equal("VALID", await VerifyAsync(tenant.OnSecond, secret));

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.OnFirst.DeleteAsync($"/v1/keys/{id}")).StatusCode);
        Assert.Equal("REVOKED", await VerifyAsync(tenant.OnFirst, secret));
        var elapsed = await ElapsedUntilAsync(clock, async () => await VerifyAsync(tenant.OnSecond, secret) == "REVOKED");

        AssertWithinBound(elapsed, "revocation");
    }

    [Fact]
    public async Task Revoke_OnSecondNode_RevokedOnFirstNodeWithinOneSecond()
    {
        var tenant = await nodes.NewTenantAsync();
        var (id, secret) = await CreateClientKeyAsync(tenant.OnFirst);
        Assert.Equal("VALID", await VerifyAsync(tenant.OnFirst, secret));

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.OnSecond.DeleteAsync($"/v1/keys/{id}")).StatusCode);
        Assert.Equal("REVOKED", await VerifyAsync(tenant.OnSecond, secret));
        var elapsed = await ElapsedUntilAsync(clock, async () => await VerifyAsync(tenant.OnFirst, secret) == "REVOKED");

        AssertWithinBound(elapsed, "revocation (second to first node)");
    }

    [Fact]
    public async Task Rotate_WithoutGrace_OldKeyExpiredOnSecondNodeWithinOneSecond()
    {
        var tenant = await nodes.NewTenantAsync();
        var (id, secret) = await CreateClientKeyAsync(tenant.OnFirst);
        await nodes.DrainNotificationsAsync();
        Assert.Equal("VALID", await VerifyAsync(tenant.OnSecond, secret));

        var clock = Stopwatch.StartNew();
        var successor = await (await tenant.OnFirst.PostJson($"/v1/keys/{id}/rotate", new { grace_period_seconds = 0 }))
            .Json(HttpStatusCode.Created);
        Assert.Equal("EXPIRED", await VerifyAsync(tenant.OnFirst, secret));
        var elapsed = await ElapsedUntilAsync(clock, async () => await VerifyAsync(tenant.OnSecond, secret) == "EXPIRED");

        AssertWithinBound(elapsed, "rotation");
        Assert.Equal("VALID", await VerifyAsync(tenant.OnSecond, successor.Str("key")));
    }

    [Fact]
    public async Task Patch_ScopeRemoved_ForbiddenScopeOnSecondNodeWithinOneSecond()
    {
        var tenant = await nodes.NewTenantAsync();
        var (id, secret) = await CreateClientKeyAsync(tenant.OnFirst, "invoices:read", "invoices:write");
        await nodes.DrainNotificationsAsync();
        Assert.Equal("VALID", await VerifyAsync(tenant.OnSecond, secret, "invoices:write"));

        var clock = Stopwatch.StartNew();
        await (await tenant.OnFirst.PatchJson($"/v1/keys/{id}", new { scopes = new[] { "invoices:read" } })).Json(HttpStatusCode.OK);
        Assert.Equal("FORBIDDEN_SCOPE", await VerifyAsync(tenant.OnFirst, secret, "invoices:write"));
        var elapsed = await ElapsedUntilAsync(clock,
            async () => await VerifyAsync(tenant.OnSecond, secret, "invoices:write") == "FORBIDDEN_SCOPE");

        AssertWithinBound(elapsed, "scope change");
        Assert.Equal("VALID", await VerifyAsync(tenant.OnSecond, secret, "invoices:read"));
    }

    [Fact]
    public async Task DeleteTenant_OnFirstNode_OwnerKeyRejectedOnSecondNodeWithinOneSecond()
    {
        var tenant = await nodes.NewTenantAsync();
        (await tenant.OnSecond.GetAsync("/v1/keys")).EnsureSuccessStatusCode(); // the owner key is now cached there

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.NoContent, (await nodes.FirstAdmin.DeleteAsync($"/v1/tenants/{tenant.Id}")).StatusCode);
        await (await tenant.OnFirst.GetAsync("/v1/keys")).Problem(HttpStatusCode.Unauthorized, "auth.key_revoked");
        HttpResponseMessage? last = null;
        var elapsed = await ElapsedUntilAsync(clock, async () =>
            (last = await tenant.OnSecond.GetAsync("/v1/keys")).StatusCode != HttpStatusCode.OK);

        await last!.Problem(HttpStatusCode.Unauthorized, "auth.key_revoked");
        AssertWithinBound(elapsed, "tenant deletion");
    }

    [Fact]
    public async Task Verify_RowRevokedBehindKeelsBack_StaysValidUntilAChangeIsAnnounced()
    {
        var tenant = await nodes.NewTenantAsync();
        var (id, secret) = await CreateClientKeyAsync(tenant.OnFirst);
        await nodes.DrainNotificationsAsync();
        Assert.Equal("VALID", await VerifyAsync(tenant.OnSecond, secret));

        // Revoked in the database without telling any node: the cached answer must outlive the bound,
        // else the other tests would pass by re-reading the row rather than by the notification.
        await using (var db = new NpgsqlConnection(nodes.ConnectionString))
        {
            await db.OpenAsync();
            await using var revoke = new NpgsqlCommand("UPDATE api_keys SET revoked_at = now() WHERE id = @id", db);
            revoke.Parameters.AddWithValue("id", id);
            Assert.Equal(1, await revoke.ExecuteNonQueryAsync());
        }
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed < Bound * 1.5)
        {
            Assert.Equal("VALID", await VerifyAsync(tenant.OnSecond, secret));
            await Task.Delay(50);
        }

        // Revoking an already revoked key writes nothing but still announces it, so the nodes catch up.
        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.OnFirst.DeleteAsync($"/v1/keys/{id}")).StatusCode);
        var elapsed = await ElapsedUntilAsync(clock, async () => await VerifyAsync(tenant.OnSecond, secret) == "REVOKED");
        AssertWithinBound(elapsed, "announcement of a change made behind Keel's back");
    }

    /// <summary>Measured from before the change was requested, so the time of the request itself counts too.</summary>
    void AssertWithinBound(TimeSpan elapsed, string what)
    {
        output.WriteLine($"{nodes.GetType().Name}: {what} seen on the other node {elapsed.TotalMilliseconds:F1} ms after it was requested");
        Assert.True(elapsed < Bound, $"{what} took {elapsed.TotalMilliseconds:F0} ms to reach the other node (bound: 1000 ms)");
    }

    /// <summary>Polls until <paramref name="reached"/> holds; gives up (failing) well after the bound, to report the real time.</summary>
    static async Task<TimeSpan> ElapsedUntilAsync(Stopwatch clock, Func<Task<bool>> reached)
    {
        while (!await reached())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"not reached after {clock.Elapsed.TotalSeconds:F1} s");
            await Task.Delay(5);
        }
        return clock.Elapsed;
    }

    internal static async Task<(string Id, string Secret)> CreateClientKeyAsync(HttpClient owner, params string[] scopes)
    {
        var created = await (await owner.PostJson("/v1/keys", new { name = "Customer", prefix = "acme_live", scopes }))
            .Json(HttpStatusCode.Created);
        return (created.Str("id"), created.Str("key"));
    }

    internal static async Task<string> VerifyAsync(HttpClient owner, string secret, params string[] scopes) =>
        (await (await owner.PostJson("/v1/keys/verify", new { key = secret, scopes })).Json(HttpStatusCode.OK)).Str("code");
}

/// <summary>
/// Two Keel nodes on one fresh PostgreSQL database, sharing nothing in memory. Ready once each node
/// has heard a change made on the other: listeners start in the background, after the host.
/// </summary>
public abstract class TwoNodeFixture : IAsyncLifetime
{
    public KeelNode First { get; private set; } = null!;
    public KeelNode Second { get; private set; } = null!;
    public HttpClient FirstAdmin { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";
    TwoNodeTenant _probe = null!;

    /// <summary>The settings that choose the notification channel.</summary>
    protected abstract IReadOnlyDictionary<string, string?> ChannelSettings { get; }

    public async Task InitializeAsync()
    {
        ConnectionString = await TestServers.NewPostgresDatabaseAsync();
        var settings = new Dictionary<string, string?>(ChannelSettings) { ["Keys:CacheTtl"] = "00:05:00" };
        First = new KeelNode(Provider.Postgres, ConnectionString, KeelFixture.AdminToken, settings);
        FirstAdmin = First.ClientWith(KeelFixture.AdminToken);
        (await FirstAdmin.GetAsync("/health/ready")).EnsureSuccessStatusCode(); // migrates before the second node starts
        Second = new KeelNode(Provider.Postgres, ConnectionString, KeelFixture.AdminToken, settings);
        using (var secondAdmin = Second.ClientWith(KeelFixture.AdminToken))
        {
            (await secondAdmin.GetAsync("/health/ready")).EnsureSuccessStatusCode();
        }
        _probe = await NewTenantAsync();
        await WaitUntilHeardAsync(_probe.OnFirst, _probe.OnSecond);
        await WaitUntilHeardAsync(_probe.OnSecond, _probe.OnFirst);
    }

    /// <summary>
    /// Returns once the second node has received every notification the first sent before this call:
    /// it hears a later change, and notifications arrive in order. Creating a key notifies too (the
    /// other nodes may remember it as unknown), and that notification may land after a test has
    /// already cached the key on the second node.
    /// </summary>
    public Task DrainNotificationsAsync() => WaitUntilHeardAsync(_probe.OnFirst, _probe.OnSecond);

    /// <summary>
    /// Returns once the node of <paramref name="listener"/> has heard a key change made through <paramref name="changer"/>
    /// (the same tenant's owner on two nodes), and so every change announced before it.
    /// </summary>
    public static async Task WaitUntilHeardAsync(HttpClient changer, HttpClient listener)
    {
        var (id, secret) = await CrossNodeRevocationTests.CreateClientKeyAsync(changer);
        Assert.Equal("VALID", await CrossNodeRevocationTests.VerifyAsync(listener, secret));
        (await changer.DeleteAsync($"/v1/keys/{id}")).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(async () => await CrossNodeRevocationTests.VerifyAsync(listener, secret) == "REVOKED",
            TimeSpan.FromSeconds(30), () => "a node never heard the other's key change");
    }

    public async Task<TwoNodeTenant> NewTenantAsync()
    {
        var tenant = await KeelFixture.NewTenantAsync(First, FirstAdmin);
        return new TwoNodeTenant(tenant.Id, tenant.Owner, Second.ClientWith(tenant.OwnerKey));
    }

    public async Task DisposeAsync()
    {
        FirstAdmin.Dispose();
        await Second.DisposeAsync();
        await First.DisposeAsync();
        await TestServers.DropPostgresDatabaseAsync(ConnectionString);
    }
}

/// <summary>A tenant and clients authenticated by its owner key on each node.</summary>
public sealed record TwoNodeTenant(string Id, HttpClient OnFirst, HttpClient OnSecond);

/// <summary>No Redis: the nodes tell each other through PostgreSQL NOTIFY.</summary>
public sealed class PostgresNotifyNodes : TwoNodeFixture
{
    protected override IReadOnlyDictionary<string, string?> ChannelSettings { get; } =
        new Dictionary<string, string?> { ["Keys:ChangeChannel"] = "postgres" };
}

/// <summary>Redis only (NOTIFY switched off, so only pub/sub can carry the change).</summary>
public sealed class RedisPubSubNodes : TwoNodeFixture
{
    protected override IReadOnlyDictionary<string, string?> ChannelSettings =>
        new Dictionary<string, string?> { ["Redis:ConnectionString"] = TestServers.Redis, ["Keys:ChangeChannel"] = "redis" };
}

public sealed class CrossNodeRevocationTests_PostgresNotify(PostgresNotifyNodes nodes, ITestOutputHelper output)
    : CrossNodeRevocationTests(nodes, output), IClassFixture<PostgresNotifyNodes>;

public sealed class CrossNodeRevocationTests_RedisPubSub(RedisPubSubNodes nodes, ITestOutputHelper output)
    : CrossNodeRevocationTests(nodes, output), IClassFixture<RedisPubSubNodes>;

public sealed class CrossNodeListenerStartupTests
{
    [Fact]
    public async Task RedisListener_SubscribesAfterKeysWereCached_DropsWhatItCachedBefore()
    {
        // A node answers requests before its listener has subscribed; what it caches meanwhile may miss
        // a change announced in that window, so subscribing must drop it.
        var database = await TestServers.NewPostgresDatabaseAsync();
        await using var first = new KeelNode(Provider.Postgres, database, KeelFixture.AdminToken, Settings(TestServers.Redis));
        using var admin = first.ClientWith(KeelFixture.AdminToken);
        (await admin.GetAsync("/health/ready")).EnsureSuccessStatusCode();
        var tenant = await KeelFixture.NewTenantAsync(first, admin);
        var (id, secret) = await CrossNodeRevocationTests.CreateClientKeyAsync(tenant.Owner);

        await using var slowRedis = new GatedTcpProxy(TestServers.Redis.Split(',')[0]);
        await using var second = new KeelNode(Provider.Postgres, database, KeelFixture.AdminToken, Settings(slowRedis.Address));
        using var onSecond = second.ClientWith(tenant.OwnerKey);
        Assert.Equal("VALID", await CrossNodeRevocationTests.VerifyAsync(onSecond, secret));
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{id}")).StatusCode);
        Assert.Equal("VALID", await CrossNodeRevocationTests.VerifyAsync(onSecond, secret)); // missed: not subscribed yet

        slowRedis.Open();
        var waited = Stopwatch.StartNew();
        while (await CrossNodeRevocationTests.VerifyAsync(onSecond, secret) != "REVOKED")
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "the second node kept serving a key revoked before it subscribed");
            await Task.Delay(20);
        }
        await TestServers.DropPostgresDatabaseAsync(database);
    }

    [Fact]
    public async Task AutoChannel_RedisUnreachable_RevocationStillArrivesOverNotify()
    {
        // The default sends every change on both channels: with Redis down, NOTIFY alone must carry it.
        var database = await TestServers.NewPostgresDatabaseAsync();
        await using var deadRedis = new GatedTcpProxy(TestServers.Redis.Split(',')[0]); // never opened
        var settings = new Dictionary<string, string?>
        {
            ["Redis:ConnectionString"] = deadRedis.Address + ",connectTimeout=500",
            ["Keys:CacheTtl"] = "00:05:00",
        };
        await using var first = new KeelNode(Provider.Postgres, database, KeelFixture.AdminToken, settings);
        await using var second = new KeelNode(Provider.Postgres, database, KeelFixture.AdminToken, settings);
        using var admin = first.ClientWith(KeelFixture.AdminToken);
        var tenant = await KeelFixture.NewTenantAsync(first, admin);
        var (id, secret) = await CrossNodeRevocationTests.CreateClientKeyAsync(tenant.Owner);
        using var onSecond = second.ClientWith(tenant.OwnerKey);
        // The create's own announcement may land after this first verify and drop the key from the second node's
        // cache; once a later change has reached that node, it has, and the key is cached again.
        Assert.Equal("VALID", await CrossNodeRevocationTests.VerifyAsync(onSecond, secret));
        await TwoNodeFixture.WaitUntilHeardAsync(tenant.Owner, onSecond);
        Assert.Equal("VALID", await CrossNodeRevocationTests.VerifyAsync(onSecond, secret));

        var waited = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{id}")).StatusCode);
        while (await CrossNodeRevocationTests.VerifyAsync(onSecond, secret) != "REVOKED")
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(1), "with Redis down, the revocation did not reach the other node over NOTIFY");
            await Task.Delay(20);
        }
        await TestServers.DropPostgresDatabaseAsync(database);
    }

    [Fact]
    public async Task ChangeChannelName_DeploymentsSharingRedis_DoNotHearEachOther()
    {
        // Two deployments on one Redis server, told apart by channel name (they share a database here
        // only so that both can see the key; NOTIFY is off, so Redis is the only way to hear).
        var database = await TestServers.NewPostgresDatabaseAsync();
        await using var first = new KeelNode(Provider.Postgres, database, KeelFixture.AdminToken,
            new Dictionary<string, string?>(Settings(TestServers.Redis)) { ["Keys:ChangeChannelName"] = "keel_a" });
        await using var second = new KeelNode(Provider.Postgres, database, KeelFixture.AdminToken,
            new Dictionary<string, string?>(Settings(TestServers.Redis)) { ["Keys:ChangeChannelName"] = "keel_b" });
        using var admin = first.ClientWith(KeelFixture.AdminToken);
        var tenant = await KeelFixture.NewTenantAsync(first, admin);
        // A listener of the first deployment's channel: the first node announces the key's creation, then its
        // revocation, in order on one connection; once the listener has both, Redis has passed the revocation to
        // every subscriber of that channel.
        await using var witness = await ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
        var announced = new ConcurrentQueue<string>();
        await witness.GetSubscriber().SubscribeAsync(RedisChannel.Literal("keel_a"), (_, message) => announced.Enqueue(message!));
        var (id, secret) = await CrossNodeRevocationTests.CreateClientKeyAsync(tenant.Owner);
        using var onSecond = second.ClientWith(tenant.OwnerKey);
        Assert.Equal("VALID", await CrossNodeRevocationTests.VerifyAsync(onSecond, secret));

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{id}")).StatusCode);
        var hash = BearerSecrets.Hash(secret);
        await Eventually.TrueAsync(() => announced.Count(m => m.Contains(hash, StringComparison.Ordinal)) >= 2,
            describe: () => $"keel_a carried {announced.Count} messages, not the creation and the revocation");

        Assert.Equal("REVOKED", await CrossNodeRevocationTests.VerifyAsync(tenant.Owner, secret));
        Assert.Equal("VALID", await CrossNodeRevocationTests.VerifyAsync(onSecond, secret)); // another deployment's message
        await first.DisposeAsync();
        await second.DisposeAsync();
        await TestServers.DropPostgresDatabaseAsync(database);
    }

    static Dictionary<string, string?> Settings(string redis) => new()
    {
        ["Redis:ConnectionString"] = redis,
        ["Keys:ChangeChannel"] = "redis",
        ["Keys:CacheTtl"] = "00:05:00",
    };
}
