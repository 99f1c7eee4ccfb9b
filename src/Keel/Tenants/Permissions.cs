namespace Keel.Tenants;

/// <summary>
/// Every permission a route can require. Each is also the name of an authorization policy, so an
/// endpoint says <c>.RequireAuthorization(Permissions.KeysWrite)</c>.
/// </summary>
public static class Permissions
{
    /// <summary>Platform admin token only: create, list, change and delete tenants.</summary>
    public const string TenantsManage = "tenants:manage";
    public const string KeysRead = "keys:read";
    public const string KeysWrite = "keys:write";
    public const string KeysVerify = "keys:verify";
    public const string MembersRead = "members:read";
    public const string MembersWrite = "members:write";
    public const string PlansRead = "plans:read";
    public const string PlansWrite = "plans:write";
    public const string WebhooksRead = "webhooks:read";
    public const string WebhooksWrite = "webhooks:write";
    public const string UsageRead = "usage:read";
    public const string AuditRead = "audit:read";
    public const string AuditWrite = "audit:write";

    public static readonly IReadOnlyList<string> All =
    [
        TenantsManage, KeysRead, KeysWrite, KeysVerify, MembersRead, MembersWrite, PlansRead, PlansWrite,
        WebhooksRead, WebhooksWrite, UsageRead, AuditRead, AuditWrite,
    ];
}
