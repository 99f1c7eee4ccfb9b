using Keel.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;

namespace Keel.Bench;

/// <summary>
/// Keel in this process, built exactly as <c>keel serve</c> builds it (<c>AddKeel</c>, <c>MapKeel</c>),
/// on a free loopback port and a fresh SQLite file in a temporary folder (or the storage a scenario's
/// settings name, e.g. a <see cref="PostgresDatabase"/>), plus one baseline endpoint,
/// <see cref="TrivialPath"/>, served by the same Kestrel server through the same middleware.
/// </summary>
public sealed class KeelServer : IKeel
{
    public const string AdminToken = "keel_admin_bench_0123456789abcdefghijklmnopqrstuvwxyz";
    public const string TrivialPath = "/bench/trivial";
    public const string TrivialBody = "ok";
    static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    readonly WebApplication _app;

    KeelServer(WebApplication app, string directory, Uri baseAddress)
    {
        _app = app;
        DataDirectory = directory;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="settings">Configuration on top of the bench defaults (a scenario's own Keel settings).</param>
    /// <param name="ct">Cancels the start.</param>
    public static async Task<KeelServer> StartAsync(IReadOnlyDictionary<string, string?>? settings, CancellationToken ct)
    {
        var directory = Path.Combine(Path.GetTempPath(), "keel-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        // The content root is the empty temporary folder: no appsettings.json, only what is set here.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = directory, EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Storage:Provider"] = "sqlite",
            ["Storage:ConnectionString"] = $"Data Source={Path.Combine(directory, "keel.db")}",
            ["Keel:AdminToken"] = AdminToken,
            // Console logging at Information would cost more than the requests being measured.
            ["Logging:LogLevel:Default"] = "Warning",
            // Logs go to stderr with the progress; stdout is the report alone.
            ["Logging:Console:LogToStandardErrorThreshold"] = "Trace",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.AddKeel();
        var app = builder.Build();
        app.MapKeel();
        app.MapGet(TrivialPath, () => TrivialBody).ExcludeFromDescription();
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new KeelServer(app, directory, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(StopTimeout))
        {
            await _app.StopAsync(stop.Token);
        }
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"bench: could not delete {DataDirectory}: {e.Message}");
        }
    }
}
