using System.Net;
using Keel.Tests.Infrastructure;
using Npgsql;

namespace Keel.Tests.Http;

/// <summary>
/// The database goes away under a running node (PostgreSQL reached through a proxy the test then
/// closes; a network mechanism, so PostgreSQL only). Keel answers 503 <c>server.unavailable</c> with
/// Retry-After, never a 500, and keys already in memory keep verifying.
/// </summary>
public sealed class UnavailableStorageTests
{
    [Fact]
    public async Task DatabaseGone_ReadsAre503Unavailable_CachedKeysStillVerify()
    {
        var database = await TestServers.NewPostgresDatabaseAsync();
        var server = new NpgsqlConnectionStringBuilder(database);
        var proxy = new GatedTcpProxy($"{server.Host}:{server.Port}");
        proxy.Open();
        var throughProxy = new NpgsqlConnectionStringBuilder(database)
        {
            Host = "127.0.0.1",
            Port = int.Parse(proxy.Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture),
            Timeout = 2,
            Pooling = false, // every command opens a connection, so the cut is felt at once
        }.ConnectionString;
        await using var node = new KeelNode(Provider.Postgres, throughProxy, KeelFixture.AdminToken);
        using var admin = node.ClientWith(KeelFixture.AdminToken);
        var tenant = await KeelFixture.NewTenantAsync(node, admin);
        var key = await (await tenant.Owner.PostJson("/v1/keys", new { name = "customer" })).Json(HttpStatusCode.Created);
        Assert.Equal("VALID", (await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key") })).Json(HttpStatusCode.OK)).Str("code"));
        // The listener drops the cache once when its LISTEN first succeeds, which may land after the
        // verify above; give it that moment, then make sure both keys are in memory again.
        await Task.Delay(1000);
        Assert.Equal("VALID", (await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key") })).Json(HttpStatusCode.OK)).Str("code"));

        await proxy.DisposeAsync();

        var read = await tenant.Owner.GetAsync($"/v1/keys/{key.Str("id")}");
        await read.Problem(HttpStatusCode.ServiceUnavailable, "server.unavailable");
        Assert.Equal("1", read.Headers.RetryAfter?.ToString());
        await (await tenant.Owner.PostJson("/v1/keys", new { name = "another" })).Problem(HttpStatusCode.ServiceUnavailable, "server.unavailable");
        using var stranger = node.ClientWith("keel_sk_notCachedAnywhere0000000000000000");
        await (await stranger.GetAsync("/v1/keys")).Problem(HttpStatusCode.ServiceUnavailable, "server.unavailable");
        // The owner key and the client key are in memory: verification does not need the database.
        Assert.Equal("VALID", (await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key") })).Json(HttpStatusCode.OK)).Str("code"));

        await node.DisposeAsync();
        await TestServers.DropPostgresDatabaseAsync(database);
    }
}
