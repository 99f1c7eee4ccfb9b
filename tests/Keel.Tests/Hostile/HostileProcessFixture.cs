using System.Net;
using System.Text.Json;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Hostile;

/// <summary>
/// Keel as its own OS process (role all) on a fresh database, for attacks that would take the test
/// host down with it if they worked (a stack overflow ends the process; no catch survives it). The
/// in-process node on the same database is there to plant rows as an older Keel would have stored them.
/// </summary>
public abstract class HostileProcessFixture(KeelFixture database) : IAsyncLifetime
{
    public KeelFixture Database { get; } = database;
    public WorkerProcess Keel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        Keel = await WorkerProcess.StartAsync(Database.Provider, Database.Node.ConnectionString, new Dictionary<string, string?>
        {
            ["Webhooks:DispatcherEnabled"] = "false",
            ["Tenants:DefaultPlanId"] = KeelNode.GenerousPlan,
        }, role: "all");
    }

    public async Task DisposeAsync()
    {
        await Keel.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>A new tenant on the process, with a client for its owner key and one for a developer-role key.</summary>
    public async Task<(string TenantId, HttpClient Owner, HttpClient Developer)> NewTenantAsync()
    {
        using var admin = Keel.ClientWith(KeelFixture.AdminToken);
        var slug = "h-" + Guid.NewGuid().ToString("N")[..12];
        var tenant = await (await admin.PostJson("/v1/tenants", new { name = "Hostile " + slug, slug })).Json(HttpStatusCode.Created);
        var owner = Keel.ClientWith(tenant.GetProperty("management_key").Str("key"));
        var developer = await (await owner.PostJson("/v1/keys", new { kind = "management", name = "dev", role = "developer" })).Json(HttpStatusCode.Created);
        return (tenant.Str("id"), owner, Keel.ClientWith(developer.Str("key")));
    }

    /// <summary>Asserts the process still runs and answers.</summary>
    public async Task AssertAliveAsync()
    {
        Assert.False(Keel.HasExited, "Keel exited:\n" + string.Join('\n', Keel.Output));
        using var client = Keel.ClientWith(null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    /// <summary>JSON nested <paramref name="depth"/> objects deep: {"a":{"a":...{}}}.</summary>
    public static JsonElement Nested(int depth) =>
        JsonElement.Parse(string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1),
            new JsonDocumentOptions { MaxDepth = depth + 1 });
}

public sealed class HostileSqliteFixture() : HostileProcessFixture(new SqliteFixture());

public sealed class HostilePostgresFixture() : HostileProcessFixture(new PostgresFixture());
