using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;

namespace Keel.Tests.Limits;

/// <summary>Two Keel nodes on one database and one Redis: a key's bucket and quota are one, wherever it is verified.</summary>
public abstract class CrossNodeLimitsTests(Provider provider)
{
    [Fact]
    public async Task TwoNodes_ParallelVerifies_QuotaAndBucketExactAcrossNodes()
    {
        var first = await LimitsNode.StartAsync(provider, TestServers.Redis);
        var second = await LimitsNode.StartAsync(provider, TestServers.Redis, first.ConnectionString);
        try
        {
            using var admin = first.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(first, admin);
            var quotaKey = await tenant.Owner.CreateKeyAsync(new { name = "q", quota = new { period = "day", limit = 30 } });
            var bucketKey = await tenant.Owner.CreateKeyAsync(new { name = "b", rate = new { requests_per_second = 0.01, burst = 20 } });
            using var viaSecond = second.ClientWith(tenant.OwnerKey);

            async Task<string[]> Storm(string key) => await Task.WhenAll(Enumerable.Range(0, 80).Select(async i =>
                (await (i % 2 == 0 ? tenant.Owner : viaSecond).VerifyAsync(key)).Code()));

            var quotaCodes = await Storm(quotaKey.Str("key"));
            Assert.Equal(30, quotaCodes.Count(c => c == "VALID"));
            Assert.Equal(50, quotaCodes.Count(c => c == "QUOTA_EXCEEDED"));
            var bucketCodes = await Storm(bucketKey.Str("key"));
            Assert.Equal(20, bucketCodes.Count(c => c == "VALID"));
            Assert.Equal(60, bucketCodes.Count(c => c == "RATE_LIMITED"));
        }
        finally
        {
            await second.StopAsync(dropDatabase: false);
            await first.StopAsync();
        }
    }
}

public sealed class CrossNodeLimitsTests_Sqlite() : CrossNodeLimitsTests(Provider.Sqlite);

public sealed class CrossNodeLimitsTests_Postgres() : CrossNodeLimitsTests(Provider.Postgres);
