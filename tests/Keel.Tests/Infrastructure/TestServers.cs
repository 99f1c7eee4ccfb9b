using Npgsql;

namespace Keel.Tests.Infrastructure;

/// <summary>
/// The real servers scripts/test started: PostgreSQL (<c>KEEL_TEST_POSTGRES</c>) and Redis
/// (<c>KEEL_TEST_REDIS</c>). A test that needs one and finds it missing fails; it never skips.
/// </summary>
public static class TestServers
{
    public static string Postgres => Environment.GetEnvironmentVariable("KEEL_TEST_POSTGRES")
        ?? throw new InvalidOperationException("KEEL_TEST_POSTGRES is not set: run the tests through ./scripts/test.");

    public static string Redis => Environment.GetEnvironmentVariable("KEEL_TEST_REDIS")
        ?? throw new InvalidOperationException("KEEL_TEST_REDIS is not set: run the tests through ./scripts/test.");

    /// <summary>A new, empty PostgreSQL database; each fixture gets its own, so state never leaks between classes.</summary>
    public static async Task<string> NewPostgresDatabaseAsync()
    {
        var name = "keel_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(Postgres))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Postgres) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Drops a database made by <see cref="NewPostgresDatabaseAsync"/> once its nodes are disposed. Its
    /// pooled connections would otherwise stay open for minutes, and enough of them exhaust the
    /// server's max_connections while other test classes still run.
    /// </summary>
    public static async Task DropPostgresDatabaseAsync(string connectionString)
    {
        await using var doomed = new NpgsqlConnection(connectionString);
        NpgsqlConnection.ClearPool(doomed);
        await using var server = new NpgsqlConnection(Postgres);
        await server.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{doomed.Database}\" WITH (FORCE)", server);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>A new SQLite file in a temporary folder.</summary>
    public static string NewSqliteDatabase()
    {
        var dir = Path.Combine(Path.GetTempPath(), "keel-tests");
        Directory.CreateDirectory(dir);
        return $"Data Source={Path.Combine(dir, Guid.NewGuid().ToString("N") + ".db")}";
    }
}
