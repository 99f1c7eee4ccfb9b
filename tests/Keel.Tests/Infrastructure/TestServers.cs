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

    /// <summary>A new SQLite file in a temporary folder.</summary>
    public static string NewSqliteDatabase()
    {
        var dir = Path.Combine(Path.GetTempPath(), "keel-tests");
        Directory.CreateDirectory(dir);
        return $"Data Source={Path.Combine(dir, Guid.NewGuid().ToString("N") + ".db")}";
    }
}
