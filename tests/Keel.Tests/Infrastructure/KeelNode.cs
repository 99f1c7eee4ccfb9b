using System.Net.Http.Headers;
using Keel.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Keel.Tests.Infrastructure;

public enum Provider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// One Keel process, hosted in memory through <see cref="WebApplicationFactory{TEntryPoint}"/>. Two
/// nodes on the same database are two independent instances (own caches, own listeners), which is
/// what cross-node tests need.
/// </summary>
/// <remarks>
/// <paramref name="settings"/> are configuration values (such as <c>Redis:ConnectionString</c>);
/// <paramref name="services"/> replaces services, for example a FakeTimeProvider as <c>TimeProvider</c>.
/// </remarks>
public sealed class KeelNode(
    Provider provider, string connectionString, string? adminToken, IReadOnlyDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public Provider Provider { get; } = provider;
    public string ConnectionString { get; } = connectionString;
    public string? AdminToken { get; } = adminToken;

    /// <summary>The default plan of tests' tenants: the seeded enterprise plan, 500/s with a burst of 1,000 and no quota.</summary>
    public const string GenerousPlan = "plan_enterprise";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:Provider", Provider == Provider.Postgres ? "postgres" : "sqlite");
        builder.UseSetting("Storage:ConnectionString", ConnectionString);
        if (AdminToken is not null)
        {
            builder.UseSetting("Keel:AdminToken", AdminToken);
        }
        // New tenants get a default plan; the seeded free one (5/s) would throttle tests that are not about limits.
        if (settings?.ContainsKey("Tenants:DefaultPlanId") != true)
        {
            builder.UseSetting("Tenants:DefaultPlanId", GenerousPlan);
        }
        // A setting given as null is left unset: the product's own default applies.
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is not null)
            {
                builder.UseSetting(name, value);
            }
        }
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    /// <summary>
    /// Starts a node on <paramref name="connectionString"/>, or on a fresh database of the provider, and returns once
    /// <paramref name="health"/> answers 200 (<c>/health/live</c> for a node whose Redis may be away).
    /// </summary>
    public static async Task<KeelNode> StartAsync(
        Provider provider, IReadOnlyDictionary<string, string?>? settings = null, string? connectionString = null,
        Action<IServiceCollection>? services = null, string health = "/health/ready")
    {
        var node = new KeelNode(provider, connectionString ?? await KeelFixture.NewDatabaseAsync(provider), KeelFixture.AdminToken, settings, services);
        try
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            (await admin.GetAsync(health)).EnsureSuccessStatusCode();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Stops the node and drops its PostgreSQL database; <paramref name="dropDatabase"/> false keeps it for another
    /// node still on it.
    /// </summary>
    public async Task StopAsync(bool dropDatabase = true)
    {
        await DisposeAsync();
        if (dropDatabase && Provider == Provider.Postgres)
        {
            await TestServers.DropPostgresDatabaseAsync(ConnectionString);
        }
    }

    /// <summary>
    /// A client that sends <paramref name="secret"/> as its bearer token (none when null). Every answer it gets
    /// is checked against the OpenAPI document (<see cref="ContractCheck"/>).
    /// </summary>
    public HttpClient ClientWith(string? secret)
    {
        // What CreateClient() does (follow redirects, keep cookies), with the check innermost so it sees every
        // answer; a worker serves no API route, so its answers (404) are not the document's.
        var servesApi = Services.GetRequiredService<IOptions<KeelOptions>>().Value.ServesApi;
        var client = servesApi
            ? CreateDefaultClient(new RedirectHandler(), new CookieContainerHandler(), new ContractCheck())
            : CreateDefaultClient(new RedirectHandler(), new CookieContainerHandler());
        if (secret is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }
        return client;
    }
}
