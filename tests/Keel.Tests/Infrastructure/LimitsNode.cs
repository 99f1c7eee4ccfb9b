namespace Keel.Tests.Infrastructure;

/// <summary>A Keel node of a test's own, counting in memory or, given a Redis, on Redis.</summary>
public static class LimitsNode
{
    public static async Task<KeelNode> StartAsync(
        Provider provider, string? redis, string? connectionString = null, IReadOnlyDictionary<string, string?>? extra = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?> { ["Webhooks:DispatcherEnabled"] = "false" };
        if (redis is not null)
        {
            settings["Redis:ConnectionString"] = redis + ",abortConnect=false,connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000";
        }
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[name] = value;
        }
        return await KeelNode.StartAsync(provider, settings, connectionString, services, health: "/health/live");
    }

    /// <summary>Runs <paramref name="test"/> against a fresh node and one tenant of it, then stops the node.</summary>
    public static async Task WithTenantAsync(Provider provider, string? redis, Func<KeelNode, HttpClient, TestTenant, Task> test,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var node = await StartAsync(provider, redis, services: services);
        try
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            await test(node, admin, await KeelFixture.NewTenantAsync(node, admin));
        }
        finally
        {
            await node.StopAsync();
        }
    }
}
