using System.Collections.Frozen;
using System.Security.Claims;
using Keel.Http;
using Microsoft.AspNetCore.Authorization;

namespace Keel.Tenants;

/// <summary>
/// Grants a permission from the caller's role, looked up in <see cref="Roles.Grants"/>. The principal
/// carries only the role, not one claim per permission: that is cheaper on every request, and the
/// role table stays the one place that says who may do what.
/// </summary>
internal sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.User.Permissions().Contains(requirement.Permission))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}

public static class PermissionClaims
{
    // The admin token manages tenants and the operator's rate plans that limit them.
    static readonly FrozenSet<string> PlatformAdmin = FrozenSet.Create(
        Keel.Tenants.Permissions.TenantsManage, Keel.Tenants.Permissions.PlansRead, Keel.Tenants.Permissions.PlansWrite);

    /// <summary>What the authenticated caller may do: the admin token manages tenants; a key, what its role grants.</summary>
    public static FrozenSet<string> Permissions(this ClaimsPrincipal user) => user.FindFirstValue(KeelClaims.Kind) switch
    {
        KeelClaims.PlatformAdmin => PlatformAdmin,
        KeelClaims.ManagementKey when user.FindFirstValue(KeelClaims.Role) is { } role && Roles.Grants.TryGetValue(role, out var grants) => grants,
        _ => FrozenSet<string>.Empty,
    };
}
