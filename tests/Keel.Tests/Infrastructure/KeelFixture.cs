using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Keel.Tests.Infrastructure;

/// <summary>
/// A Keel node on a fresh database of one provider, shared by the tests of one class. Tests do not
/// reset it: each test makes its own tenants (<c>NewTenantAsync</c>), and tenants are isolated
/// by construction, which is itself under test. Without <paramref name="settings"/> its dispatcher is off:
/// endpoints made here point at addresses no test serves.
/// </summary>
public abstract class KeelFixture(Provider provider, IReadOnlyDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    public const string AdminToken = "keel_admin_test_0123456789abcdefghijklmnopqrstuvwxyz";

    public Provider Provider { get; } = provider;
    public KeelNode Node { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = await KeelNode.StartAsync(Provider, settings ?? new Dictionary<string, string?> { ["Webhooks:DispatcherEnabled"] = "false" });
        Admin = Node.ClientWith(AdminToken);
    }

    public static async Task<string> NewDatabaseAsync(Provider provider) =>
        provider == Provider.Postgres ? await TestServers.NewPostgresDatabaseAsync() : TestServers.NewSqliteDatabase();

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Node.StopAsync();
    }

    /// <summary>Creates a tenant and returns it with a client authenticated by its owner key.</summary>
    public Task<TestTenant> NewTenantAsync() => NewTenantAsync(Node, Admin);

    public static async Task<TestTenant> NewTenantAsync(KeelNode node, HttpClient admin)
    {
        var slug = "t-" + Guid.NewGuid().ToString("N")[..12];
        var response = await admin.PostAsJsonAsync("/v1/tenants", new { name = "Tenant " + slug, slug });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var ownerKey = body.GetProperty("management_key").GetProperty("key").GetString()!;
        return new TestTenant(body.GetProperty("id").GetString()!, slug, ownerKey, node.ClientWith(ownerKey));
    }
}

public sealed record TestTenant(string Id, string Slug, string OwnerKey, HttpClient Owner);

public sealed class SqliteFixture() : KeelFixture(Provider.Sqlite);

public sealed class PostgresFixture() : KeelFixture(Provider.Postgres);
