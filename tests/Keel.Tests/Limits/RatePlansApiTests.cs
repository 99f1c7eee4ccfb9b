using System.Net;
using System.Text.Json;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;

namespace Keel.Tests.Limits;

/// <summary>Rate plans: operator plans for tenants, tenants' own plans for their client keys.</summary>
public abstract class RatePlansApiTests(KeelFixture fixture)
{
    static object Plan(string name) => new
    {
        name,
        rate = new { requests_per_second = 10, burst = 20 },
        quota = new { period = "month", limit = 1000, soft_limits = new[] { 0.9, 0.8 }, hard_cap = true },
    };

    [Fact]
    public async Task SeededPlans_AreOperatorPlans_TheAdminMayEdit()
    {
        var listed = await (await fixture.Admin.GetAsync("/v1/rate-plans?limit=200")).Json(HttpStatusCode.OK);
        var names = listed.GetProperty("data").EnumerateArray().Select(p => p.Str("name")).ToList();
        Assert.Contains("free", names);
        Assert.Contains("pro", names);
        Assert.Contains("enterprise", names);
        var free = await (await fixture.Admin.GetAsync("/v1/rate-plans/plan_free")).Json(HttpStatusCode.OK);
        Assert.Equal("operator", free.Str("scope"));
        Assert.Equal(10, free.GetProperty("rate").GetProperty("burst").GetInt64());
        Assert.Equal("month", free.GetProperty("quota").Str("period"));
    }

    [Fact]
    public async Task Plans_AreSeenOnlyByTheirOwner()
    {
        var tenant = await fixture.NewTenantAsync();
        var other = await fixture.NewTenantAsync();
        var operatorPlan = await (await fixture.Admin.PostJson("/v1/rate-plans", Plan("gold"))).Json(HttpStatusCode.Created);
        var tenantPlan = await (await tenant.Owner.PostJson("/v1/rate-plans", Plan("customers"))).Json(HttpStatusCode.Created);
        Assert.Equal("operator", operatorPlan.Str("scope"));
        Assert.Equal("tenant", tenantPlan.Str("scope"));
        Assert.Equal([0.8, 0.9], tenantPlan.GetProperty("quota").GetProperty("soft_limits").EnumerateArray().Select(f => f.GetDouble()));

        Assert.Equal([tenantPlan.Str("id")], (await (await tenant.Owner.GetAsync("/v1/rate-plans")).Json(HttpStatusCode.OK)).Ids());
        Assert.Empty((await (await other.Owner.GetAsync("/v1/rate-plans")).Json(HttpStatusCode.OK)).Ids());
        await (await other.Owner.GetAsync($"/v1/rate-plans/{tenantPlan.Str("id")}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await tenant.Owner.GetAsync($"/v1/rate-plans/{operatorPlan.Str("id")}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await fixture.Admin.GetAsync($"/v1/rate-plans/{tenantPlan.Str("id")}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await other.Owner.DeleteAsync($"/v1/rate-plans/{tenantPlan.Str("id")}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
    }

    [Fact]
    public async Task Patch_RemovesAndReplacesLimits()
    {
        var tenant = await fixture.NewTenantAsync();
        var plan = await (await tenant.Owner.PostJson("/v1/rate-plans", Plan("p"))).Json(HttpStatusCode.Created);
        var url = $"/v1/rate-plans/{plan.Str("id")}";
        var patched = await (await tenant.Owner.PatchJson(url, new { rate = (object?)null, fail_open = false })).Json(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("rate").ValueKind);
        Assert.Equal(1000, patched.GetProperty("quota").GetProperty("limit").GetInt64());
        Assert.False(patched.GetProperty("fail_open").GetBoolean());
        patched = await (await tenant.Owner.PatchJson(url, new { rate = new { requests_per_second = 2.5 } })).Json(HttpStatusCode.OK);
        Assert.Equal(3, patched.GetProperty("rate").GetProperty("burst").GetInt64()); // the burst defaults to the rate, rounded up
        Assert.Equal(2.5, patched.GetProperty("rate").GetProperty("requests_per_second").GetDouble());
    }

    [Theory]
    [InlineData("""{"name":"x","rate":{"requests_per_second":0}}""")]
    [InlineData("""{"name":"x","rate":{"requests_per_second":5,"burst":0}}""")]
    [InlineData("""{"name":"x","rate":{"requests_per_second":1e-6}}""")] // a bucket that would take 11 days to refill
    [InlineData("""{"name":"x","rate":{"requests_per_second":0.001,"burst":1000}}""")]
    [InlineData("""{"name":"x","quota":{"period":"week","limit":5}}""")]
    [InlineData("""{"name":"x","quota":{"period":"day","limit":0}}""")]
    [InlineData("""{"name":"x","quota":{"period":"day","limit":5,"soft_limits":[1.5]}}""")]
    [InlineData("""{"name":""}""")]
    public async Task Create_InvalidPlan_IsValidationFailed(string body)
    {
        var tenant = await fixture.NewTenantAsync();
        await (await tenant.Owner.PostRaw("/v1/rate-plans", body)).Problem(HttpStatusCode.BadRequest, "validation.failed");
    }

    [Fact]
    public async Task Create_RateThatRefillsInExactlyADay_IsAllowed()
    {
        var tenant = await fixture.NewTenantAsync();

        await (await tenant.Owner.PostJson("/v1/rate-plans", new { name = "daily", rate = new { requests_per_second = 1000 / 86_400.0, burst = 1000 } }))
            .Json(HttpStatusCode.Created);
        await (await tenant.Owner.PostJson("/v1/keys", new { name = "k", rate = new { requests_per_second = 1e-6 } }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");
    }

    [Fact]
    public async Task TenantPlan_AssignedByAdmin_OnlyOperatorPlans_DeleteRefusedWhileAssigned()
    {
        var tenant = await fixture.NewTenantAsync();
        var operatorPlan = await (await fixture.Admin.PostJson("/v1/rate-plans", Plan("silver"))).Json(HttpStatusCode.Created);
        var tenantPlan = await (await tenant.Owner.PostJson("/v1/rate-plans", Plan("mine"))).Json(HttpStatusCode.Created);

        await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { plan_id = tenantPlan.Str("id") })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        var assigned = await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { plan_id = operatorPlan.Str("id") })).Json(HttpStatusCode.OK);
        Assert.Equal(operatorPlan.Str("id"), assigned.Str("plan_id"));
        await (await fixture.Admin.DeleteAsync($"/v1/rate-plans/{operatorPlan.Str("id")}")).Problem(HttpStatusCode.Conflict, "resource.conflict");

        var cleared = await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { plan_id = (string?)null })).Json(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("plan_id").ValueKind);
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Admin.DeleteAsync($"/v1/rate-plans/{operatorPlan.Str("id")}")).StatusCode);

        var created = await (await fixture.Admin.PostJson("/v1/tenants", new { name = "Planned", slug = "p-" + Guid.NewGuid().ToString("N")[..12], plan_id = "plan_pro" })).Json(HttpStatusCode.Created);
        Assert.Equal("plan_pro", created.Str("plan_id"));
    }

    [Fact]
    public async Task KeyPlan_OnlyTheTenantsOwnPlans_OverridesShown_RotationKeepsThem()
    {
        var tenant = await fixture.NewTenantAsync();
        var other = await fixture.NewTenantAsync();
        var plan = await (await tenant.Owner.PostJson("/v1/rate-plans", Plan("customers"))).Json(HttpStatusCode.Created);
        var foreign = await (await other.Owner.PostJson("/v1/rate-plans", Plan("theirs"))).Json(HttpStatusCode.Created);

        await (await tenant.Owner.PostJson("/v1/keys", new { name = "k", plan_id = foreign.Str("id") })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        await (await tenant.Owner.PostJson("/v1/keys", new { name = "k", plan_id = "plan_free" })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        await (await tenant.Owner.PostJson("/v1/keys", new { name = "m", kind = "management", role = "viewer", plan_id = plan.Str("id") }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");

        var key = await tenant.Owner.CreateKeyAsync(new { name = "k", plan_id = plan.Str("id"), rate = new { requests_per_second = 1, burst = 2 }, quota = new { period = "day", limit = 50 } });
        Assert.Equal(plan.Str("id"), key.Str("plan_id"));
        Assert.Equal(2, key.GetProperty("rate").GetProperty("burst").GetInt64());
        Assert.Equal(50, key.GetProperty("quota").GetProperty("limit").GetInt64());
        await (await tenant.Owner.DeleteAsync($"/v1/rate-plans/{plan.Str("id")}")).Problem(HttpStatusCode.Conflict, "resource.conflict");

        var successor = await tenant.Owner.RotateAsync(key.Str("id"), 60);
        Assert.Equal(plan.Str("id"), successor.Str("plan_id"));
        Assert.Equal(50, successor.GetProperty("quota").GetProperty("limit").GetInt64());

        var patched = await (await tenant.Owner.PatchJson($"/v1/keys/{successor.Str("id")}", new { plan_id = (string?)null, rate = (object?)null })).Json(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("plan_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("rate").ValueKind);
    }
}

public sealed class RatePlansApiTests_Sqlite(SqliteFixture f) : RatePlansApiTests(f), IClassFixture<SqliteFixture>;

public sealed class RatePlansApiTests_Postgres(PostgresFixture f) : RatePlansApiTests(f), IClassFixture<PostgresFixture>;
