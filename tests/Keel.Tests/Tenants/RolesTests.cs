using Keel.Tenants;

namespace Keel.Tests.Tenants;

public sealed class RolesTests
{
    /// <summary>
    /// The matrix follows <see cref="Roles.Grants"/>; this pins the grants themselves, so widening a role
    /// is a deliberate change to this table too.
    /// </summary>
    [Theory]
    [InlineData(Roles.Owner, "audit:read audit:write keys:read keys:verify keys:write members:read members:write plans:read plans:write usage:read webhooks:read webhooks:write")]
    [InlineData(Roles.Admin, "audit:read audit:write keys:read keys:verify keys:write members:read plans:read plans:write usage:read webhooks:read webhooks:write")]
    [InlineData(Roles.Developer, "keys:read keys:verify keys:write members:read plans:read plans:write usage:read webhooks:read webhooks:write")]
    [InlineData(Roles.Auditor, "audit:read keys:read members:read plans:read usage:read webhooks:read")]
    [InlineData(Roles.Viewer, "keys:read members:read plans:read usage:read webhooks:read")]
    public void Grants_OfEachRole_AreExactlyThese(string role, string permissions)
    {
        Assert.Equal(permissions.Split(' '), Roles.Grants[role].Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Grants_NoRole_ManagesTenantsAndEveryRoleIsWithinOwner()
    {
        Assert.Equal(Roles.Names.Order(StringComparer.Ordinal), Roles.Grants.Keys.Order(StringComparer.Ordinal));
        Assert.All(Roles.Names, role =>
        {
            Assert.False(Roles.Grants[role].Contains(Permissions.TenantsManage), role);
            Assert.True(Roles.CanGrant(Roles.Grants[Roles.Owner], role), role);
            Assert.All(Roles.Grants[role], p => Assert.Contains(p, Permissions.All));
        });
    }
}
