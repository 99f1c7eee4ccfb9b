using System.Net;
using Keel.Limits;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Limits;

/// <summary>Without Redis, quota counters live in memory and are flushed to the database: a restart resumes them.</summary>
public abstract class QuotaDurabilityTests(Provider provider)
{
    [Fact]
    public async Task MemoryQuota_NodeRestarts_CountResumesFromTheDatabase()
    {
        var node = await LimitsNode.StartAsync(provider, redis: null);
        var connectionString = node.ConnectionString;
        KeelNode? restarted = null;
        try
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            var key = await tenant.Owner.CreateKeyAsync(new { name = "q", quota = new { period = "month", limit = 10 } });
            for (var i = 0; i < 7; i++)
            {
                Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(key.Str("key"))).Code());
            }
            await node.Services.GetRequiredService<QuotaLedger>().FlushOnceAsync(CancellationToken.None);
            await node.DisposeAsync();

            restarted = await LimitsNode.StartAsync(provider, redis: null, connectionString);
            using var owner = restarted.ClientWith(tenant.OwnerKey);
            var codes = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                codes.Add((await owner.VerifyAsync(key.Str("key"))).Code());
            }
            Assert.Equal(["VALID", "VALID", "VALID", "QUOTA_EXCEEDED", "QUOTA_EXCEEDED"], codes);
            var quotas = await (await owner.GetAsync("/v1/quotas")).Json(HttpStatusCode.OK);
            Assert.Equal(10, quotas.GetProperty("data")[0].GetProperty("quota").GetProperty("used").GetInt64());
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.StopAsync();
            }
            else
            {
                await node.StopAsync();
            }
        }
    }

    [Fact]
    public async Task MemoryQuota_NodeStopsBeforeAFlush_ShutdownWritesTheCount()
    {
        var node = await LimitsNode.StartAsync(provider, redis: null);
        KeelNode? restarted = null;
        try
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            var key = await tenant.Owner.CreateKeyAsync(new { name = "q", quota = new { period = "month", limit = 10 } });
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(key.Str("key"))).Code());
            }

            await node.DisposeAsync(); // within the 5 s flush interval: only the flush at shutdown writes the count

            restarted = await LimitsNode.StartAsync(provider, redis: null, node.ConnectionString);
            using var owner = restarted.ClientWith(tenant.OwnerKey);
            var quotas = await (await owner.GetAsync("/v1/quotas")).Json(HttpStatusCode.OK);
            Assert.Equal(4, quotas.GetProperty("data")[0].GetProperty("quota").GetProperty("used").GetInt64());
        }
        finally
        {
            await (restarted ?? node).StopAsync();
        }
    }
}

public sealed class QuotaDurabilityTests_Sqlite() : QuotaDurabilityTests(Provider.Sqlite);

public sealed class QuotaDurabilityTests_Postgres() : QuotaDurabilityTests(Provider.Postgres);
