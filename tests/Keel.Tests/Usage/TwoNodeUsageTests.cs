using System.Net;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;
using Keel.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Usage;

/// <summary>Two nodes on one database count one tenant's traffic: after both flush, every count is exactly what was sent.</summary>
public abstract class TwoNodeUsageTests(Provider provider)
{
    [Fact]
    public async Task TwoNodes_ParallelVerifiesWithEveryOutcome_CountsExactAfterBothFlush()
    {
        var first = await LimitsNode.StartAsync(provider, redis: null);
        var second = await LimitsNode.StartAsync(provider, redis: null, first.ConnectionString);
        try
        {
            using var admin = first.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(first, admin);
            using var viaSecond = second.ClientWith(tenant.OwnerKey);
            var plan = await (await tenant.Owner.PostJson("/v1/rate-plans", new { name = "tight", rate = new { requests_per_second = 0.01, burst = 15 } }))
                .Json(HttpStatusCode.Created);
            var valid = await tenant.Owner.CreateKeyAsync(new { name = "valid", prefix = "acme_live" });
            var scoped = await tenant.Owner.CreateKeyAsync(new { name = "scoped", scopes = new[] { "read" } });
            var revoked = await tenant.Owner.CreateKeyAsync(new { name = "revoked" });
            var limited = await tenant.Owner.CreateKeyAsync(new { name = "limited", plan_id = plan.Str("id") });
            (await tenant.Owner.DeleteAsync($"/v1/keys/{revoked.Str("id")}")).EnsureSuccessStatusCode();
            (string? Id, string Key, string[] Scopes)[] calls =
            [
                (valid.Str("id"), valid.Str("key"), []), (valid.Str("id"), valid.Str("key"), []),
                (scoped.Str("id"), scoped.Str("key"), ["write"]), (scoped.Str("id"), scoped.Str("key"), ["read"]),
                (revoked.Str("id"), revoked.Str("key"), []), (limited.Str("id"), limited.Str("key"), []),
                (null, UsageRequests.UnknownKey("acme_live"), []), (null, UsageRequests.UnknownKey("acme_test"), []),
            ];
            var from = DateTimeOffset.UtcNow.AddMinutes(-1);

            var sent = await Concurrently.RunAsync(400, async i =>
            {
                var (id, key, scopes) = calls[i % calls.Length];
                return (Id: id, Key: key, Code: (await (i % 2 == 0 ? tenant.Owner : viaSecond).VerifyAsync(key, scopes)).Code());
            });
            await first.Services.GetRequiredService<UsageFlusher>().FlushAsync(CancellationToken.None);
            await second.Services.GetRequiredService<UsageFlusher>().FlushAsync(CancellationToken.None);
            var to = DateTimeOffset.UtcNow.AddMinutes(1);

            Assert.Contains(sent, c => c.Code == "RATE_LIMITED");
            foreach (var id in new[] { valid.Str("id"), scoped.Str("id"), revoked.Str("id"), limited.Str("id") })
            {
                var expected = sent.Where(c => c.Id == id).Select(c => c.Code).Expected();
                Assert.Equal(expected, (await tenant.Owner.KeyUsageAsync(id, from, to, "minute")).Totals());
                Assert.Equal(expected, (await viaSecond.KeyUsageAsync(id, from, to, "hour")).Totals());
            }
            var failures = await tenant.Owner.AuthFailuresAsync(from, to, "minute");
            Assert.Equal(sent.Where(c => c.Code != "VALID").GroupBy(c => c.Code).ToDictionary(g => g.Key, g => (long)g.Count()).OrderBy(c => c.Key),
                failures.ByCode().OrderBy(c => c.Key));
            var prefixes = failures.SelectMany(p => p.GetProperty("not_found_prefixes").EnumerateObject()).GroupBy(p => p.Name)
                .ToDictionary(g => g.Key, g => g.Sum(p => p.Value.GetInt64()));
            Assert.Equal(new Dictionary<string, long> { ["acme_live"] = 50, ["acme_test"] = 50 }, prefixes);
            var top = await tenant.Owner.TopKeysAsync(from, to);
            Assert.Equal(sent.Count(c => c.Id == valid.Str("id")), top.Single(k => k.Str("key_id") == valid.Str("id")).GetProperty("requests").GetInt64());
        }
        finally
        {
            await second.StopAsync(dropDatabase: false);
            await first.StopAsync();
        }
    }
}

public sealed class TwoNodeUsageTests_Sqlite() : TwoNodeUsageTests(Provider.Sqlite);

public sealed class TwoNodeUsageTests_Postgres() : TwoNodeUsageTests(Provider.Postgres);
