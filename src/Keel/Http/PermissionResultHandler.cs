using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Keel.Http;

/// <summary>A refused permission is 403 <c>auth.forbidden</c> naming the permission that was missing.</summary>
internal sealed class PermissionResultHandler : IAuthorizationMiddlewareResultHandler
{
    readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden)
        {
            return _default.HandleAsync(next, context, policy, authorizeResult);
        }
        var missing = authorizeResult.AuthorizationFailure?.FailedRequirements
            .OfType<PermissionRequirement>()
            .Select(r => r.Permission)
            .FirstOrDefault() ?? "unknown";
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Problems.WriteAsync(context, ErrorCodes.Forbidden,
            $"This credential lacks the permission '{missing}'.",
            extensions: [new("missing_permission", missing)]);
    }
}
