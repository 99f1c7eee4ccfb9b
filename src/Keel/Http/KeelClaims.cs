using System.Security.Claims;

namespace Keel.Http;

/// <summary>Claims Keel puts on an authenticated request.</summary>
public static class KeelClaims
{
    public const string Kind = "keel_kind";
    public const string TenantId = "tenant_id";
    public const string KeyId = "key_id";
    public const string Role = "role";

    public const string PlatformAdmin = "platform_admin";
    public const string ManagementKey = "management_key";
}

public static class KeelClaimsExtensions
{
    /// <summary>The tenant of a management-key request (the credential decides it, never the URL or body).</summary>
    public static string TenantId(this ClaimsPrincipal user) =>
        user.FindFirstValue(KeelClaims.TenantId) ?? throw new InvalidOperationException("Not a tenant-authenticated request.");

    public static bool IsPlatformAdmin(this ClaimsPrincipal user) => user.FindFirstValue(KeelClaims.Kind) == KeelClaims.PlatformAdmin;
}
