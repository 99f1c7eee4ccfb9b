using System.Collections.Frozen;
using static Keel.Tenants.Permissions;

namespace Keel.Tenants;

/// <summary>
/// The built-in roles of a tenant and what each may do. Management keys carry a role today; members
/// (people, once SSO lands) will carry the same roles, so this table is the one place to read access.
/// </summary>
public static class Roles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Developer = "developer";
    public const string Auditor = "auditor";
    public const string Viewer = "viewer";

    static readonly string[] Reads = [KeysRead, MembersRead, PlansRead, WebhooksRead, UsageRead];

    public static readonly FrozenDictionary<string, FrozenSet<string>> Grants = new Dictionary<string, FrozenSet<string>>
    {
        // Owners may do everything in their tenant, including granting roles to people.
        [Owner] = Permissions.All.Where(p => p != TenantsManage).ToFrozenSet(),
        // Admins run the tenant day to day but do not change who belongs to it.
        [Admin] = Permissions.All.Where(p => p is not TenantsManage and not MembersWrite).ToFrozenSet(),
        [Developer] = Reads.Concat([KeysWrite, KeysVerify, WebhooksWrite, PlansWrite]).ToFrozenSet(),
        // Auditors read everything, including the audit log, and change nothing.
        [Auditor] = Reads.Concat([AuditRead]).ToFrozenSet(),
        [Viewer] = Reads.ToFrozenSet(),
    }.ToFrozenDictionary();

    public static readonly IReadOnlyList<string> Names = [Owner, Admin, Developer, Auditor, Viewer];

    public static bool Exists(string? role) => role is not null && Grants.ContainsKey(role);

    /// <summary>A caller may hand out a role only if that role can do nothing the caller cannot.</summary>
    public static bool CanGrant(IReadOnlySet<string> callerPermissions, string role) =>
        Grants[role].All(callerPermissions.Contains);
}
