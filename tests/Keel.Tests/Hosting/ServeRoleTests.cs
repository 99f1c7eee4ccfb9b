using System.Net;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Hosting;

/// <summary><c>keel serve --role</c>: an api node serves the API; a worker node serves only health and metrics.</summary>
public sealed class ServeRoleTests
{
    [Theory]
    [InlineData("api", HttpStatusCode.OK)]
    [InlineData("all", HttpStatusCode.OK)]
    [InlineData("worker", HttpStatusCode.NotFound)]
    public async Task Role_DecidesWhetherTheApiIsServed(string role, HttpStatusCode tenants)
    {
        await using var node = new KeelNode(Provider.Sqlite, TestServers.NewSqliteDatabase(), KeelFixture.AdminToken,
            new Dictionary<string, string?> { ["Keel:Role"] = role });
        using var admin = node.ClientWith(KeelFixture.AdminToken);

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/health/ready")).StatusCode);
        var response = await admin.GetAsync("/v1/tenants");
        Assert.Equal(tenants, response.StatusCode);
        if (tenants == HttpStatusCode.NotFound)
        {
            await response.Problem(HttpStatusCode.NotFound, "resource.route_not_found");
        }
    }
}
