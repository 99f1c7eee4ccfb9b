using System.Collections.Concurrent;
using System.Net;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;

namespace Keel.Tests.Limits;

/// <summary>
/// Plans change while requests read them: the tenant's operator plan (read by the API limiter on every call) and the
/// plan of the client key being verified (carried in the key cache). No request may fail with a 5xx meanwhile.
/// </summary>
public abstract class PlanChangeUnderLoadTests(Provider provider)
{
    const int Changes = 40;

    [Fact]
    public async Task PlansChangeWhileKeysVerifyAndBucketsAreChecked_NoAnswerIs5xx()
    {
        await LimitsNode.WithTenantAsync(provider, null, async (node, admin, tenant) =>
        {
            var operatorPlan = await (await admin.PostJson("/v1/rate-plans", new { name = "busy", rate = new { requests_per_second = 100_000, burst = 100_000 } }))
                .Json(HttpStatusCode.Created);
            await (await admin.PatchJson($"/v1/tenants/{tenant.Id}", new { plan_id = operatorPlan.Str("id") })).Json(HttpStatusCode.OK);
            var keyPlan = await (await tenant.Owner.PostJson("/v1/rate-plans", new
            {
                name = "customers",
                rate = new { requests_per_second = 100_000, burst = 100_000 },
                quota = new { period = "month", limit = 1_000_000_000 },
            })).Json(HttpStatusCode.Created);
            var key = await tenant.Owner.CreateKeyAsync(new { name = "customer", plan_id = keyPlan.Str("id") });
            var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
            var codes = new ConcurrentDictionary<string, int>();
            using var stop = new CancellationTokenSource();

            var readers = Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    using var response = worker % 2 == 0
                        ? await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key") })
                        : await tenant.Owner.PostJson("/v1/ratelimits/check", new { @namespace = "n", identifier = $"i{i % 50}", requests_per_second = 1000, burst = 1000 });
                    statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                    if (worker % 2 == 0 && response.StatusCode == HttpStatusCode.OK)
                    {
                        codes.AddOrUpdate((await response.Json(HttpStatusCode.OK)).Code(), 1, (_, n) => n + 1);
                    }
                }
            })).ToList();
            for (var i = 0; i < Changes; i++)
            {
                var rate = new { requests_per_second = 100_000 - i, burst = 100_000 };
                await (await admin.PatchJson($"/v1/rate-plans/{operatorPlan.Str("id")}", new { rate })).Json(HttpStatusCode.OK);
                await (await tenant.Owner.PatchJson($"/v1/rate-plans/{keyPlan.Str("id")}", new { rate })).Json(HttpStatusCode.OK);
            }
            await stop.CancelAsync();
            await Task.WhenAll(readers);

            Assert.DoesNotContain(statuses.Keys, s => (int)s >= 500);
            Assert.Equal([HttpStatusCode.OK], statuses.Keys);
            Assert.Equal(["VALID"], codes.Keys);
        });
    }
}

public sealed class PlanChangeUnderLoadTests_Sqlite() : PlanChangeUnderLoadTests(Provider.Sqlite);

public sealed class PlanChangeUnderLoadTests_Postgres() : PlanChangeUnderLoadTests(Provider.Postgres);
