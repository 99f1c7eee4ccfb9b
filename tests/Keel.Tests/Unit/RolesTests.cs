using Keel.Tenants;

namespace Keel.Tests.Unit;

public sealed class RolesTests
{
    static readonly string[] Reads = ["keys:read", "members:read", "plans:read", "webhooks:read", "usage:read"];

    public static TheoryData<string, string[]> ExpectedGrants => new()
    {
        {
            "owner",
            [.. Reads, "keys:write", "keys:verify", "members:write", "plans:write", "webhooks:write", "audit:read", "audit:write"]
        },
        { "admin", [.. Reads, "keys:write", "keys:verify", "plans:write", "webhooks:write", "audit:read", "audit:write"] },
        { "developer", [.. Reads, "keys:write", "keys:verify", "webhooks:write", "plans:write"] },
        { "auditor", [.. Reads, "audit:read"] },
        { "viewer", Reads },
    };

    [Theory]
    [MemberData(nameof(ExpectedGrants))]
    public void Grants_EachRole_ExactlyItsPermissions(string role, string[] expected)
    {
        Assert.Equal(expected.Order(StringComparer.Ordinal), Roles.Grants[role].Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Names_Always_ExactlyTheRolesWithGrants()
    {
        Assert.Equal(["owner", "admin", "developer", "auditor", "viewer"], Roles.Names);
        Assert.Equal(Roles.Names.Order(StringComparer.Ordinal), Roles.Grants.Keys.Order(StringComparer.Ordinal));
        Assert.All(Roles.Names, r => Assert.True(Roles.Exists(r)));
        Assert.False(Roles.Exists(null));
        Assert.False(Roles.Exists("root"));
        Assert.False(Roles.Exists("Owner"));
    }

    [Theory]
    [InlineData("owner", "admin")]
    [InlineData("admin", "developer")]
    [InlineData("developer", "viewer")]
    [InlineData("owner", "auditor")]
    [InlineData("auditor", "viewer")]
    public void Grants_HigherRole_SupersetOfLower(string higher, string lower)
    {
        Assert.Superset(Roles.Grants[lower].ToHashSet(), Roles.Grants[higher].ToHashSet());
        Assert.True(Roles.Grants[higher].Count > Roles.Grants[lower].Count, $"{higher} should grant more than {lower}");
    }

    [Fact]
    public void Grants_AnyTenantRole_NeverTenantsManage()
    {
        Assert.All(Roles.Grants, g => Assert.False(g.Value.Contains(Permissions.TenantsManage), $"{g.Key} grants tenants:manage"));
    }

    [Fact]
    public void Grants_AnyRole_OnlyKnownPermissions()
    {
        Assert.All(Roles.Grants.Values.SelectMany(g => g), p => Assert.Contains(p, Permissions.All));
    }

    [Theory]
    [InlineData("owner", "owner,admin,developer,auditor,viewer")]
    [InlineData("admin", "admin,developer,auditor,viewer")]
    [InlineData("developer", "developer,viewer")]
    [InlineData("auditor", "auditor,viewer")]
    [InlineData("viewer", "viewer")]
    public void CanGrant_CallerRole_OnlyRolesWithinItsOwnPermissions(string caller, string grantable)
    {
        var permissions = Roles.Grants[caller].ToHashSet();

        var granted = Roles.Names.Where(r => Roles.CanGrant(permissions, r));

        Assert.Equal(grantable.Split(','), granted);
    }

    [Fact]
    public void CanGrant_PlatformAdminPermissionsOnly_NoTenantRole()
    {
        var admin = new HashSet<string> { Permissions.TenantsManage };

        Assert.All(Roles.Names, r => Assert.False(Roles.CanGrant(admin, r)));
    }

    [Fact]
    public void CanGrant_OnePermissionShort_Refused()
    {
        var almostAdmin = Roles.Grants[Roles.Admin].Where(p => p != Permissions.AuditWrite).ToHashSet();

        Assert.False(Roles.CanGrant(almostAdmin, Roles.Admin));
        Assert.True(Roles.CanGrant(almostAdmin, Roles.Developer));
    }
}
