using System.Net;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Tenants;

/// <summary>A tenant created without <c>plan_id</c> gets the default operator plan: nothing is unlimited by accident.</summary>
public abstract class DefaultPlanTests(Provider provider)
{
    [Fact]
    public async Task Create_WithoutPlanId_GetsTheDefaultPlanAndRateLimitHeaders()
    {
        var node = await LimitsNode.StartAsync(provider, redis: null, extra: new Dictionary<string, string?> { ["Tenants:DefaultPlanId"] = "plan_pro" });
        try
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);

            var shown = await (await admin.GetAsync($"/v1/tenants/{tenant.Id}")).Json(HttpStatusCode.OK);
            Assert.Equal("plan_pro", shown.Str("plan_id"));
            var answer = await tenant.Owner.GetAsync("/v1/keys");
            await answer.Json(HttpStatusCode.OK);
            // plan_pro: 50/s with a burst of 100, 1,000,000 a month.
            Assert.StartsWith("\"burst\";q=100;w=2, \"monthly\";q=1000000;w=", answer.Headers.GetValues("RateLimit-Policy").Single(), StringComparison.Ordinal);
            Assert.StartsWith("\"burst\";r=99;", answer.Headers.GetValues("RateLimit").Single(), StringComparison.Ordinal);

            // A plan named at creation wins; no plan at all takes a deliberate PATCH.
            var named = await (await admin.PostJson("/v1/tenants", new { name = "Named", slug = NewSlug(), plan_id = "plan_enterprise" })).Json(HttpStatusCode.Created);
            Assert.Equal("plan_enterprise", named.Str("plan_id"));
            var unlimited = await (await admin.PatchJson($"/v1/tenants/{tenant.Id}", new { plan_id = (string?)null })).Json(HttpStatusCode.OK);
            Assert.Equal(System.Text.Json.JsonValueKind.Null, unlimited.GetProperty("plan_id").ValueKind);
            var free = await tenant.Owner.GetAsync("/v1/keys");
            await free.Json(HttpStatusCode.OK);
            Assert.False(free.Headers.Contains("RateLimit"));

            // The default plan cannot be deleted from under new tenants.
            await (await admin.DeleteAsync("/v1/rate-plans/plan_pro")).Problem(HttpStatusCode.Conflict, "resource.conflict");
        }
        finally
        {
            await node.StopAsync();
        }
    }

    [Fact]
    public async Task Create_WithoutPlanId_ByDefaultGetsTheFreePlan()
    {
        // The tests' nodes default to a generous plan; an unset setting is the product's own default.
        var node = await LimitsNode.StartAsync(provider, redis: null, extra: new Dictionary<string, string?> { ["Tenants:DefaultPlanId"] = null });
        try
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);

            Assert.Equal("plan_free", (await (await admin.GetAsync($"/v1/tenants/{tenant.Id}")).Json(HttpStatusCode.OK)).Str("plan_id"));
        }
        finally
        {
            await node.StopAsync();
        }
    }

    [Fact]
    public async Task Create_DefaultPlanMissing_IsRefusedUnlessAPlanIsNamed()
    {
        var node = await LimitsNode.StartAsync(provider, redis: null, extra: new Dictionary<string, string?> { ["Tenants:DefaultPlanId"] = "plan_gone" });
        try
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);

            var problem = await (await admin.PostJson("/v1/tenants", new { name = "No plan", slug = NewSlug() })).Problem(HttpStatusCode.BadRequest, "validation.failed");
            Assert.Contains("Tenants:DefaultPlanId", problem.GetProperty("errors").GetProperty("plan_id")[0].GetString(), StringComparison.Ordinal);
            var named = await (await admin.PostJson("/v1/tenants", new { name = "Named", slug = NewSlug(), plan_id = "plan_free" })).Json(HttpStatusCode.Created);
            Assert.Equal("plan_free", named.Str("plan_id"));
        }
        finally
        {
            await node.StopAsync();
        }
    }

    static string NewSlug() => "d-" + Guid.NewGuid().ToString("N")[..12];
}

public sealed class DefaultPlanTests_Sqlite() : DefaultPlanTests(Provider.Sqlite);

public sealed class DefaultPlanTests_Postgres() : DefaultPlanTests(Provider.Postgres);
