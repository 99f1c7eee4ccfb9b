using System.Net;
using Keel.Hosting;
using Keel.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Keel.Tests.Hosting;

/// <summary>The <c>keel</c> verbs, run in-process as the executable runs them.</summary>
public abstract class CommandLineTests(Provider provider)
{
    static readonly SemaphoreSlim ConsoleGate = new(1, 1);

    [Fact]
    public async Task Migrate_FreshDatabase_CreatesTheSchema()
    {
        var cs = await KeelFixture.NewDatabaseAsync(provider);

        var (exit, output) = await RunAsync(["migrate", .. StorageArgs(cs)]);

        Assert.Equal(0, exit);
        Assert.Contains("Migrations applied.", output, StringComparison.Ordinal);
        Assert.Contains("api_keys", await TablesAsync(cs));
        Assert.Contains("tenants", await TablesAsync(cs));
    }

    [Fact]
    public async Task AdminTokenRotate_PrintsTokenThatAuthenticates_AndReplacesThePreviousOne()
    {
        var cs = await KeelFixture.NewDatabaseAsync(provider);

        var (exit1, out1) = await RunAsync(["admin-token", "rotate", .. StorageArgs(cs)]);
        var (exit2, out2) = await RunAsync(["admin-token", "rotate", .. StorageArgs(cs)]);
        Assert.Equal(0, exit1);
        Assert.Equal(0, exit2);
        var first = TokenIn(out1);
        var second = TokenIn(out2);
        Assert.NotEqual(first, second);

        // A node without a configured token accepts only the newest stored one.
        await using var node = new KeelNode(provider, cs, adminToken: null);
        using var current = node.ClientWith(second);
        using var previous = node.ClientWith(first);
        Assert.Equal(HttpStatusCode.OK, (await current.GetAsync("/v1/tenants")).StatusCode);
        await (await previous.GetAsync("/v1/tenants")).Problem(HttpStatusCode.Unauthorized, "auth.invalid_credentials");
    }

    [Theory]
    [InlineData("--Storage:Provider=mysql", "Storage:Provider")]
    [InlineData("--Keel:AdminToken=short", "Keel:AdminToken")]
    [InlineData("--Keel:Role=everything", "Keel:Role")]
    [InlineData("--Redis:ConnectionString=abortConnect=maybe", "Redis:ConnectionString")]
    [InlineData("--Keys:ChangeChannel=carrier-pigeon", "Keys:ChangeChannel")]
    [InlineData("--Keys:RotationScanInterval=00:00:00", "Keys:RotationScanInterval")]
    [InlineData("--Keys:Usage:FlushInterval=00:05:00", "Keys:Usage:FlushInterval")]
    [InlineData("--Keys:Usage:MaxCounters=10", "Keys:Usage:MaxCounters")]
    [InlineData("--Anomalies:ScanInterval=00:00:00", "Anomalies:ScanInterval")]
    [InlineData("--Anomalies:IdleEviction=00:01:00", "Anomalies:IdleEviction")]
    [InlineData("--Anomalies:Threshold=1.5", "Anomalies:Threshold")]
    [InlineData("--Anomalies:LevelMemory=00:00:00", "Anomalies:LevelMemory")]
    [InlineData("--Tenants:MaxEventTypes=0", "Tenants:MaxEventTypes")]
    [InlineData("--Tenants:MaxRateLimitBuckets=-1", "Tenants:MaxRateLimitBuckets")]
    [InlineData("--Tenants:DefaultPlanId=", "Tenants:DefaultPlanId")]
    [InlineData("--Webhooks:AllowHttp=maybe", "Webhooks:AllowHttp")]
    [InlineData("--Keys:CacheTtl=soon", "Keys:CacheTtl")]
    [InlineData("--Keys:CacheMaxEntries=10", "Keys:CacheMaxEntries")]
    [InlineData("--Keys:NegativeCacheMaxEntries=10", "Keys:NegativeCacheMaxEntries")]
    public async Task Serve_InvalidSetting_ExitsWithMessageNamingTheSetting(string setting, string name)
    {
        var run = RunAsync(["serve", "--urls=http://127.0.0.1:0", .. StorageArgs(await KeelFixture.NewDatabaseAsync(provider)), setting]);

        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60))));
        var (exit, output) = await run;
        Assert.Equal(2, exit);
        var message = output.Split('\n').Single(l => l.StartsWith("Keel cannot start", StringComparison.Ordinal));
        Assert.Contains(name, message, StringComparison.Ordinal);
    }

    string[] StorageArgs(string cs) =>
        [$"--Storage:Provider={(provider == Provider.Postgres ? "postgres" : "sqlite")}", $"--Storage:ConnectionString={cs}"];

    static string TokenIn(string output) =>
        output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Single(w => w.StartsWith("keel_admin_", StringComparison.Ordinal));

    /// <summary>Runs a verb and captures what it prints (the console is process-wide, so one at a time).</summary>
    static async Task<(int Exit, string Output)> RunAsync(string[] args)
    {
        await ConsoleGate.WaitAsync();
        var (original, originalError) = (Console.Out, Console.Error);
        try
        {
            using var output = new StringWriter();
            Console.SetOut(output);
            Console.SetError(output);
            var exit = await KeelCommandLine.Build().Parse(args).InvokeAsync();
            return (exit, output.ToString());
        }
        finally
        {
            Console.SetOut(original);
            Console.SetError(originalError);
            ConsoleGate.Release();
        }
    }

    async Task<List<string>> TablesAsync(string cs)
    {
        List<string> tables = [];
        if (provider == Provider.Postgres)
        {
            await using var connection = new NpgsqlConnection(cs);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        else
        {
            await using var connection = new SqliteConnection(cs);
            await connection.OpenAsync();
            await using var command = new SqliteCommand("SELECT name FROM sqlite_master WHERE type = 'table'", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        return tables;
    }
}

public sealed class CommandLineTests_Sqlite() : CommandLineTests(Provider.Sqlite);

public sealed class CommandLineTests_Postgres() : CommandLineTests(Provider.Postgres);
