using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Keel.Tenants;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Tenants;

/// <summary>
/// Every caller (the platform admin token and a management key of each role) against every tenant
/// and key route: the route answers when the caller's permissions include the one the route requires,
/// and 403 <c>auth.forbidden</c> naming exactly that permission otherwise. Expectations come from
/// <see cref="Roles.Grants"/>, so a role that gains or loses a permission is checked on every route.
/// </summary>
public abstract partial class PermissionMatrixTests(KeelFixture fixture)
{
    public const string PlatformAdmin = "platform_admin";

    /// <summary>What each route works on: a fresh tenant, a client key of it and that key's secret, an endpoint, an event, its delivery and an event type.</summary>
    public sealed record Target(string TenantId, string KeyId, string ClientSecret, string EndpointId, string EventId, string DeliveryId, string EventType);

    public sealed record Route(string Method, string Path, string Permission, HttpStatusCode Success, Func<Target, object>? Body = null)
    {
        public string Url(Target t) => Path.Replace("{key}", t.KeyId, StringComparison.Ordinal).Replace("{tenant}", t.TenantId, StringComparison.Ordinal)
            .Replace("{endpoint}", t.EndpointId, StringComparison.Ordinal).Replace("{event}", t.EventId, StringComparison.Ordinal)
            .Replace("{delivery}", t.DeliveryId, StringComparison.Ordinal).Replace("{type}", t.EventType, StringComparison.Ordinal);
    }

    public static readonly IReadOnlyList<Route> Routes =
    [
        new("GET", "/v1/keys", Permissions.KeysRead, HttpStatusCode.OK),
        new("POST", "/v1/keys", Permissions.KeysWrite, HttpStatusCode.Created, _ => new { name = "made by matrix" }),
        new("GET", "/v1/keys/{key}", Permissions.KeysRead, HttpStatusCode.OK),
        new("PATCH", "/v1/keys/{key}", Permissions.KeysWrite, HttpStatusCode.OK, _ => new { name = "renamed by matrix" }),
        new("DELETE", "/v1/keys/{key}", Permissions.KeysWrite, HttpStatusCode.NoContent),
        new("POST", "/v1/keys/{key}/rotate", Permissions.KeysWrite, HttpStatusCode.Created, _ => new { grace_period_seconds = 60 }),
        // The target was never rotated by a schedule: past the permission check, there is no successor secret to give.
        new("GET", "/v1/keys/{key}/successor-secret", Permissions.KeysWrite, HttpStatusCode.Conflict),
        new("POST", "/v1/keys/verify", Permissions.KeysVerify, HttpStatusCode.OK, t => new { key = t.ClientSecret }),
        new("GET", "/v1/roles", Permissions.MembersRead, HttpStatusCode.OK),
        new("GET", "/v1/tenants", Permissions.TenantsManage, HttpStatusCode.OK),
        new("POST", "/v1/tenants", Permissions.TenantsManage, HttpStatusCode.Created,
            _ => new { name = "Made by matrix", slug = "m-" + Guid.NewGuid().ToString("N")[..12] }),
        new("GET", "/v1/tenants/{tenant}", Permissions.TenantsManage, HttpStatusCode.OK),
        new("PATCH", "/v1/tenants/{tenant}", Permissions.TenantsManage, HttpStatusCode.OK, _ => new { name = "Renamed by matrix" }),
        new("DELETE", "/v1/tenants/{tenant}", Permissions.TenantsManage, HttpStatusCode.NoContent),
        new("POST", "/v1/tenants/{tenant}/owner-keys", Permissions.TenantsManage, HttpStatusCode.Created),
        new("GET", "/v1/webhooks/endpoints", Permissions.WebhooksRead, HttpStatusCode.OK),
        new("POST", "/v1/webhooks/endpoints", Permissions.WebhooksWrite, HttpStatusCode.Created, _ => new { url = "https://hooks.example.com/matrix" }),
        new("GET", "/v1/webhooks/endpoints/{endpoint}", Permissions.WebhooksRead, HttpStatusCode.OK),
        new("PATCH", "/v1/webhooks/endpoints/{endpoint}", Permissions.WebhooksWrite, HttpStatusCode.OK, _ => new { description = "by matrix" }),
        new("DELETE", "/v1/webhooks/endpoints/{endpoint}", Permissions.WebhooksWrite, HttpStatusCode.NoContent),
        new("POST", "/v1/webhooks/endpoints/{endpoint}/secret/rotate", Permissions.WebhooksWrite, HttpStatusCode.OK, _ => new { }),
        new("GET", "/v1/webhooks/endpoints/{endpoint}/secret", Permissions.WebhooksWrite, HttpStatusCode.OK),
        new("GET", "/v1/event-types", Permissions.WebhooksRead, HttpStatusCode.OK),
        new("POST", "/v1/event-types", Permissions.WebhooksWrite, HttpStatusCode.Created, _ => new { name = "matrix.made" }),
        new("GET", "/v1/event-types/{type}", Permissions.WebhooksRead, HttpStatusCode.OK),
        new("DELETE", "/v1/event-types/{type}", Permissions.WebhooksWrite, HttpStatusCode.NoContent),
        new("POST", "/v1/events", Permissions.WebhooksWrite, HttpStatusCode.Accepted, _ => new { type = "matrix.sent", payload = new { } }),
        new("POST", "/v1/events/batch", Permissions.WebhooksWrite, HttpStatusCode.OK, _ => new { events = new[] { new { type = "matrix.sent", payload = new { } } } }),
        new("GET", "/v1/events", Permissions.WebhooksRead, HttpStatusCode.OK),
        new("GET", "/v1/events/{event}", Permissions.WebhooksRead, HttpStatusCode.OK),
        new("GET", "/v1/events/{event}/deliveries", Permissions.WebhooksRead, HttpStatusCode.OK),
        new("GET", "/v1/deliveries", Permissions.WebhooksRead, HttpStatusCode.OK),
        new("GET", "/v1/deliveries/{delivery}", Permissions.WebhooksRead, HttpStatusCode.OK),
        new("GET", "/v1/deliveries/{delivery}/attempts", Permissions.WebhooksRead, HttpStatusCode.OK),
        new("POST", "/v1/deliveries/{delivery}/redispatch", Permissions.WebhooksWrite, HttpStatusCode.Accepted),
        new("POST", "/v1/deliveries/redispatch", Permissions.WebhooksWrite, HttpStatusCode.OK, _ => new { }),
        new("POST", "/v1/dlq/replay", Permissions.WebhooksWrite, HttpStatusCode.OK, _ => new { }),
        new("GET", "/v1/rate-plans", Permissions.PlansRead, HttpStatusCode.OK),
        new("POST", "/v1/rate-plans", Permissions.PlansWrite, HttpStatusCode.Created, _ => new { name = "made by matrix" }),
        new("GET", "/v1/rate-plans/{plan}", Permissions.PlansRead, HttpStatusCode.OK),
        new("PATCH", "/v1/rate-plans/{plan}", Permissions.PlansWrite, HttpStatusCode.OK, _ => new { name = "renamed by matrix" }),
        new("DELETE", "/v1/rate-plans/{plan}", Permissions.PlansWrite, HttpStatusCode.NoContent),
        new("POST", "/v1/ratelimits/check", Permissions.KeysVerify, HttpStatusCode.OK,
            _ => new { @namespace = "matrix", identifier = "x", requests_per_second = 1, burst = 1 }),
        new("GET", "/v1/quotas", Permissions.UsageRead, HttpStatusCode.OK),
        new("GET", "/v1/keys/{key}/usage", Permissions.UsageRead, HttpStatusCode.OK),
        new("GET", "/v1/analytics/keys", Permissions.UsageRead, HttpStatusCode.OK),
        new("GET", "/v1/analytics/auth-failures", Permissions.UsageRead, HttpStatusCode.OK),
        new("GET", "/v1/anomalies", Permissions.UsageRead, HttpStatusCode.OK),
    ];

    public static IEnumerable<object[]> Matrix() =>
        from caller in Roles.Names.Prepend(PlatformAdmin)
        from route in Routes
        select new object[] { caller, route.Method, route.Path };

    static IReadOnlySet<string> PermissionsOf(string caller) =>
        caller == PlatformAdmin ? new HashSet<string> { Permissions.TenantsManage, Permissions.PlansRead, Permissions.PlansWrite } : Roles.Grants[caller];

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Route_Caller_SucceedsOrForbidsWithRequiredPermission(string caller, string method, string path)
    {
        var route = Routes.Single(r => r.Method == method && r.Path == path);
        var tenant = await fixture.NewTenantAsync();
        var client = await (await tenant.Owner.PostJson("/v1/keys", new { name = "target" })).Json(HttpStatusCode.Created);
        // The fixture runs no dispatcher: nothing is sent to this address.
        var endpoint = await (await tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url = "https://hooks.example.com/target" })).Json(HttpStatusCode.Created);
        await (await tenant.Owner.PostJson("/v1/event-types", new { name = "matrix.type" })).Json(HttpStatusCode.Created);
        var ev = await (await tenant.Owner.PostJson("/v1/events", new { type = "matrix.type", payload = new { } })).Json(HttpStatusCode.Accepted);
        var delivery = (await (await tenant.Owner.GetAsync($"/v1/events/{ev.Str("id")}/deliveries")).Json(HttpStatusCode.OK)).GetProperty("data")[0];
        var target = new Target(tenant.Id, client.Str("id"), client.Str("key"), endpoint.Str("id"), ev.Str("id"), delivery.Str("id"), "matrix.type");
        using var http = caller == PlatformAdmin ? fixture.Node.ClientWith(KeelFixture.AdminToken) : await ManagementClientAsync(tenant, caller);

        // The admin token works on operator plans, a management key on its tenant's own.
        var plan = await (await (caller == PlatformAdmin ? fixture.Admin : tenant.Owner).PostJson("/v1/rate-plans", new { name = "target" })).Json(HttpStatusCode.Created);
        using var request = new HttpRequestMessage(new HttpMethod(method), route.Url(target).Replace("{plan}", plan.Str("id"), StringComparison.Ordinal));
        if (route.Body is not null)
        {
            request.Content = JsonContent.Create(route.Body(target));
        }
        var response = await http.SendAsync(request);

        if (PermissionsOf(caller).Contains(route.Permission))
        {
            await response.Json(route.Success);
            return;
        }
        var problem = await response.Problem(HttpStatusCode.Forbidden, "auth.forbidden");
        Assert.Equal(route.Permission, problem.Str("missing_permission"));
        // A refused call changed nothing.
        var after = await (await tenant.Owner.GetAsync($"/v1/keys/{target.KeyId}")).Json(HttpStatusCode.OK);
        Assert.Equal("target", after.Str("name"));
        Assert.Equal("active", after.Str("status"));
        Assert.Equal(JsonValueKind.Null, after.GetProperty("rotated_to_id").ValueKind);
    }

    [Fact]
    public async Task Matrix_EveryTenantRouteOfTheOpenApiDocument_IsInTheTable()
    {
        var doc = await (await fixture.Admin.GetAsync("/openapi/v1.json")).Json(HttpStatusCode.OK);
        var documented = (from path in doc.GetProperty("paths").EnumerateObject()
                          where path.Name.StartsWith("/v1/", StringComparison.Ordinal) && path.Name != "/v1/errors"
                          from op in path.Value.EnumerateObject()
                          select $"{op.Name.ToUpperInvariant()} {Placeholder().Replace(path.Name, "{x}")}").ToHashSet();
        var table = Routes.Select(r => $"{r.Method} {Placeholder().Replace(r.Path, "{x}")}").ToHashSet();
        Assert.Subset(documented, table);
        Assert.Subset(table, documented);
    }

    [Theory]
    [InlineData(Roles.Owner, Roles.Owner, true)]
    [InlineData(Roles.Owner, Roles.Viewer, true)]
    [InlineData(Roles.Admin, Roles.Owner, false)]
    [InlineData(Roles.Admin, Roles.Admin, true)]
    [InlineData(Roles.Admin, Roles.Auditor, true)]
    [InlineData(Roles.Developer, Roles.Owner, false)]
    [InlineData(Roles.Developer, Roles.Admin, false)]
    [InlineData(Roles.Developer, Roles.Auditor, false)]
    [InlineData(Roles.Developer, Roles.Developer, true)]
    [InlineData(Roles.Developer, Roles.Viewer, true)]
    public async Task CreateManagementKey_RoleAboveCaller_IsRoleEscalation(string caller, string role, bool allowed)
    {
        var tenant = await fixture.NewTenantAsync();
        using var http = await ManagementClientAsync(tenant, caller);

        var response = await http.PostJson("/v1/keys", new { kind = "management", name = "new " + role, role });

        if (allowed)
        {
            Assert.Equal(role, (await response.Json(HttpStatusCode.Created)).Str("role"));
            return;
        }
        await response.Problem(HttpStatusCode.Forbidden, "auth.role_escalation");
        var keys = await (await tenant.Owner.GetAsync("/v1/keys?kind=management")).Json(HttpStatusCode.OK);
        Assert.DoesNotContain(keys.GetProperty("data").EnumerateArray(), k => k.Str("name") == "new " + role);
    }

    [Theory]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/rotate")]
    [InlineData("PATCH", "")]
    public async Task ChangeOwnerKey_ByDeveloper_IsRoleEscalationAndOwnerKeyStillWorks(string method, string suffix)
    {
        var tenant = await fixture.NewTenantAsync();
        var keys = await (await tenant.Owner.GetAsync("/v1/keys?kind=management")).Json(HttpStatusCode.OK);
        var ownerKeyId = keys.GetProperty("data").EnumerateArray().Single(k => k.Str("role") == Roles.Owner).Str("id");
        using var developer = await ManagementClientAsync(tenant, Roles.Developer);

        using var request = new HttpRequestMessage(new HttpMethod(method), $"/v1/keys/{ownerKeyId}{suffix}")
        {
            Content = method switch
            {
                "PATCH" => JsonContent.Create(new { name = "taken over" }),
                "POST" => JsonContent.Create(new { grace_period_seconds = 0 }),
                _ => null,
            },
        };
        await (await developer.SendAsync(request)).Problem(HttpStatusCode.Forbidden, "auth.role_escalation");

        var owner = await (await tenant.Owner.GetAsync($"/v1/keys/{ownerKeyId}")).Json(HttpStatusCode.OK);
        Assert.Equal("active", owner.Str("status"));
        Assert.Equal("Owner key", owner.Str("name"));
        Assert.Equal(JsonValueKind.Null, owner.GetProperty("rotated_to_id").ValueKind);
    }

    [Fact]
    public async Task Roles_ListedByApi_MatchGrantsInOrder()
    {
        var tenant = await fixture.NewTenantAsync();

        var roles = (await (await tenant.Owner.GetAsync("/v1/roles")).Json(HttpStatusCode.OK)).GetProperty("data");

        Assert.Equal(Roles.Names, roles.EnumerateArray().Select(r => r.Str("name")));
        foreach (var role in roles.EnumerateArray())
        {
            var permissions = role.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()!).ToList();
            Assert.Equal(Roles.Grants[role.Str("name")].Order(StringComparer.Ordinal), permissions);
            Assert.DoesNotContain(Permissions.TenantsManage, permissions);
        }
    }

    [Fact]
    public async Task AdminToken_KeysRoutes_ForbiddenForMissingKeysRead()
    {
        var problem = await (await fixture.Admin.GetAsync("/v1/keys")).Problem(HttpStatusCode.Forbidden, "auth.forbidden");

        Assert.Equal(Permissions.KeysRead, problem.Str("missing_permission"));
    }

    [Fact]
    public async Task OwnerKey_TenantsRoutes_ForbiddenForMissingTenantsManage()
    {
        var tenant = await fixture.NewTenantAsync();

        var list = await (await tenant.Owner.GetAsync("/v1/tenants")).Problem(HttpStatusCode.Forbidden, "auth.forbidden");
        var own = await (await tenant.Owner.DeleteAsync($"/v1/tenants/{tenant.Id}")).Problem(HttpStatusCode.Forbidden, "auth.forbidden");

        Assert.Equal(Permissions.TenantsManage, list.Str("missing_permission"));
        Assert.Equal(Permissions.TenantsManage, own.Str("missing_permission"));
        await (await fixture.Admin.GetAsync($"/v1/tenants/{tenant.Id}")).Json(HttpStatusCode.OK);
    }

    async Task<HttpClient> ManagementClientAsync(TestTenant tenant, string role)
    {
        if (role == Roles.Owner)
        {
            return fixture.Node.ClientWith(tenant.OwnerKey);
        }
        var key = await (await tenant.Owner.PostJson("/v1/keys", new { kind = "management", name = role + " key", role })).Json(HttpStatusCode.Created);
        return fixture.Node.ClientWith(key.Str("key"));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\{[a-z]+\}")]
    private static partial System.Text.RegularExpressions.Regex Placeholder();
}

public sealed class PermissionMatrixTests_Sqlite(SqliteFixture f) : PermissionMatrixTests(f), IClassFixture<SqliteFixture>;

public sealed class PermissionMatrixTests_Postgres(PostgresFixture f) : PermissionMatrixTests(f), IClassFixture<PostgresFixture>;
