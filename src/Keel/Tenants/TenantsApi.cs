using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Keel.Http;
using Keel.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Tenants;

public sealed record CreateTenantRequest([property: Required] string? Name, [property: Required] string? Slug, string? PlanId);

public sealed record UpdateTenantRequest(PatchField<string> Name, PatchField<string> Slug, PatchField<string?> PlanId);

public record TenantView(string Id, string Name, string Slug, string? PlanId, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static TenantView From(Tenant t) => new(t.Id, t.Name, t.Slug, t.PlanId, t.CreatedAt, t.UpdatedAt);
}

/// <summary>The owner management key made with a tenant; its secret is shown only in this answer.</summary>
public sealed record ManagementKeySecret(string Id, string Key);

public sealed record CreatedTenantView(string Id, string Name, string Slug, string? PlanId, DateTime CreatedAt, DateTime UpdatedAt, ManagementKeySecret ManagementKey)
    : TenantView(Id, Name, Slug, PlanId, CreatedAt, UpdatedAt);

public sealed record RoleView([property: AllowedValues(Roles.Owner, Roles.Admin, Roles.Developer, Roles.Auditor, Roles.Viewer)] string Name, IReadOnlyList<string> Permissions);

public static partial class TenantsApi
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")]
    private static partial Regex SlugPattern();

    public static RouteGroupBuilder MapTenantsApi(this IEndpointRouteBuilder app)
    {
        var tenants = app.MapGroup("/v1/tenants").WithTags("Tenants").RequireAuthorization(Permissions.TenantsManage);
        tenants.MapPost("/", CreateTenant).WithName("createTenant").WithSummary("Create a tenant and its first (owner) management key")
            .WithDescription("Admin token only. `management_key.key` is shown once. Without `plan_id` the tenant gets the operator plan `Tenants:DefaultPlanId` (`plan_free`).").BodyProblems(ErrorCodes.Conflict).ShowsSecret();
        tenants.MapGet("/", ListTenants).WithName("listTenants").WithSummary("List tenants, newest first").AuthProblems(ErrorCodes.InvalidQuery);
        tenants.MapGet("/{id}", GetTenant).WithName("getTenant").WithSummary("Get a tenant").AuthProblems(ErrorCodes.NotFound);
        tenants.MapPatch("/{id}", UpdateTenant).WithName("updateTenant").WithSummary("Rename a tenant or change its slug")
            .BodyProblems(ErrorCodes.NotFound, ErrorCodes.Conflict);
        tenants.MapDelete("/{id}", DeleteTenant).WithName("deleteTenant").WithSummary("Delete a tenant")
            .WithDescription("Revokes all of its keys at once, on every node, and disables its webhook endpoints.").AuthProblems(ErrorCodes.NotFound);
        tenants.MapPost("/{id}/owner-keys", IssueOwnerKey).WithName("issueOwnerKey").WithSummary("Issue a recovery owner key to a tenant")
            .WithDescription("Admin token only, for a tenant that lost the secrets of its owner keys. Answers `{id, key}`; `key` is shown once. " +
"The tenant sees it as `key.created` (named \"" + IOwnerKeys.RecoveryKeyName + "\") and may revoke its other keys with it.")
            .AuthProblems(ErrorCodes.NotFound).ShowsSecret();

        app.MapGet("/v1/roles", ListRoles).WithName("listRoles").WithTags("Tenants").RequireAuthorization(Permissions.MembersRead)
            .WithSummary("The built-in roles and their permissions").AuthProblems();
        return tenants;
    }

    static async Task<Results<Created<CreatedTenantView>, ProblemHttpResult>> CreateTenant(
        CreateTenantRequest body, KeelDb db, TimeProvider time, IOptions<TenantsOptions> options, IOwnerKeys owners, CancellationToken ct)
    {
        var check = new Validation().Require(IsName(body.Name), "name", NameRule).Require(IsSlug(body.Slug), "slug", SlugRule);
        if (check.Failed)
        {
            return check.Problem();
        }
        // Without a plan a tenant would be unlimited; that takes a deliberate PATCH {plan_id: null}, never an omission.
        var planId = body.PlanId ?? options.Value.DefaultPlanId;
        if (!await OperatorPlanExists(db, planId, ct))
        {
            return body.PlanId is null ? NoDefaultPlan(planId) : NoSuchPlan();
        }
        if (await Live(db).AnyAsync(t => t.Slug == body.Slug, ct))
        {
            return SlugTaken(body.Slug!);
        }
        var now = time.GetUtcNow().UtcDateTime;
        var tenant = new Tenant { Id = Ids.New("ten"), Name = body.Name!.Trim(), Slug = body.Slug!, PlanId = planId, CreatedAt = now, UpdatedAt = now };
        db.Tenants.Add(tenant);
        var ownerKey = owners.AddFirst(db, tenant.Id, now);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return SlugTaken(body.Slug!); // lost a race for the slug to a concurrent create
        }
        return TypedResults.Created($"/v1/tenants/{tenant.Id}", new CreatedTenantView(
            tenant.Id, tenant.Name, tenant.Slug, tenant.PlanId, tenant.CreatedAt, tenant.UpdatedAt, ownerKey));
    }

    static async Task<Ok<Page<TenantView>>> ListTenants(string? limit, string? cursor, KeelDb db, CancellationToken ct) =>
        TypedResults.Ok(await Live(db).AsNoTracking()
            .ToPageAsync(PageRequest.From(limit, cursor), TenantView.From, ct));

    static async Task<Results<Ok<TenantView>, ProblemHttpResult>> GetTenant(string id, KeelDb db, CancellationToken ct) =>
        await Live(db).AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, ct) is { } tenant
            ? TypedResults.Ok(TenantView.From(tenant))
            : Problems.NotFound("tenant");

    static async Task<Results<Ok<TenantView>, ProblemHttpResult>> UpdateTenant(
        string id, UpdateTenantRequest body, KeelDb db, TimeProvider time, IEnumerable<ITenantLifecycle> features, CancellationToken ct)
    {
        var check = new Validation()
            .Require(!body.Name.IsSet || IsName(body.Name.Value), "name", NameRule)
            .Require(!body.Slug.IsSet || IsSlug(body.Slug.Value), "slug", SlugRule);
        if (check.Failed)
        {
            return check.Problem();
        }
        if (await Live(db).SingleOrDefaultAsync(t => t.Id == id, ct) is not { } tenant)
        {
            return Problems.NotFound("tenant");
        }
        var name = body.Name.IsSet ? body.Name.Value!.Trim() : tenant.Name;
        var slug = body.Slug.IsSet ? body.Slug.Value! : tenant.Slug;
        if (slug != tenant.Slug && await Live(db).AnyAsync(t => t.Slug == slug, ct))
        {
            return SlugTaken(slug);
        }
        if (body.PlanId is { IsSet: true, Value: { } newPlan } && !await OperatorPlanExists(db, newPlan, ct))
        {
            return NoSuchPlan();
        }
        var planId = body.PlanId.IsSet ? body.PlanId.Value : tenant.PlanId;
        if (name == tenant.Name && slug == tenant.Slug && planId == tenant.PlanId)
        {
            return TypedResults.Ok(TenantView.From(tenant)); // nothing changes, so updated_at does not move
        }
        (tenant.Name, tenant.Slug, tenant.PlanId) = (name, slug, planId);
        tenant.UpdatedAt = time.GetUtcNow().UtcDateTime;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return SlugTaken(tenant.Slug);
        }
        foreach (var feature in features)
        {
            feature.Changed(tenant.Id);
        }
        return TypedResults.Ok(TenantView.From(tenant));
    }

    static async Task<Results<NoContent, ProblemHttpResult>> DeleteTenant(
        string id, KeelDb db, TimeProvider time, IEnumerable<ITenantLifecycle> features, CancellationToken ct)
    {
        if (await Live(db).SingleOrDefaultAsync(t => t.Id == id, ct) is not { } tenant)
        {
            return Problems.NotFound("tenant");
        }
        var now = time.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        tenant.DeletedAt = tenant.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        List<Func<CancellationToken, Task>> afterCommit = [];
        foreach (var feature in features)
        {
            if (await feature.EndAsync(db, id, now, ct) is { } then)
            {
                afterCommit.Add(then);
            }
        }
        await tx.CommitAsync(ct);
        foreach (var then in afterCommit)
        {
            await then(ct);
        }
        return TypedResults.NoContent();
    }

    static async Task<Results<Created<ManagementKeySecret>, ProblemHttpResult>> IssueOwnerKey(
        string id, KeelDb db, IOwnerKeys owners, CancellationToken ct) =>
        await owners.IssueRecoveryAsync(db, id, ct) is { } issued
            ? TypedResults.Created($"/v1/keys/{issued.Id}", issued)
            : Problems.NotFound("tenant");

    // A list like every other (`{data, next_cursor}`); five roles fit on one page.
    static Ok<Page<RoleView>> ListRoles() =>
        TypedResults.Ok(new Page<RoleView>([.. Roles.Names.Select(r => new RoleView(r, [.. Roles.Grants[r].Order(StringComparer.Ordinal)]))], null));

    static Task<bool> OperatorPlanExists(KeelDb db, string planId, CancellationToken ct) =>
        db.RatePlans.AnyAsync(p => p.Id == planId && p.TenantId == null, ct);

    static ProblemHttpResult NoSuchPlan() => Problems.Validation(new Dictionary<string, string[]>
    {
        ["plan_id"] = ["plan_id must name an operator rate plan (GET /v1/rate-plans with the admin token)."],
    });

    static ProblemHttpResult NoDefaultPlan(string planId) => Problems.Validation(new Dictionary<string, string[]>
    {
        ["plan_id"] = [$"plan_id is required: the default plan '{planId}' (Tenants:DefaultPlanId) is no operator rate plan."],
    });

    const string NameRule = $"name is required, 1 to 200 characters; it {DisplayNames.Rule}.";
    const string SlugRule = "slug is 2 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit.";

    static bool IsName(string? name) => DisplayNames.IsDisplayable(name) && name!.Length <= 200;

    static bool IsSlug(string? slug) => slug is not null && SlugPattern().IsMatch(slug);

    /// <summary>Tenants that are not deleted: the only ones any route may see.</summary>
    static IQueryable<Tenant> Live(KeelDb db) => db.Tenants.Where(t => t.DeletedAt == null);

    static ProblemHttpResult SlugTaken(string slug) => Problems.Of(ErrorCodes.Conflict, $"The slug '{slug}' is taken.");
}
