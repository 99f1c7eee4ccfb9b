using System.Net;
using Keel.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Keel.Tests.Hosting;

/// <summary>The <c>keel</c> verbs, run in-process as the executable runs them.</summary>
public abstract class CommandLineTests(Provider provider)
{
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

    string[] StorageArgs(string cs) =>
        [$"--Storage:Provider={(provider == Provider.Postgres ? "postgres" : "sqlite")}", $"--Storage:ConnectionString={cs}"];

    static string TokenIn(string output) =>
        output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Single(w => w.StartsWith("keel_admin_", StringComparison.Ordinal));

    static async Task<(int Exit, string Output)> RunAsync(string[] args)
    {
        var (exit, output, _) = await KeelVerbs.RunAsync(args);
        return (exit, output);
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
