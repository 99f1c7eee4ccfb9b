using System.Net;
using Npgsql;

namespace Keel.Bench;

/// <summary>
/// A fresh database <c>keel_bench_&lt;random&gt;</c> on a loopback PostgreSQL server, dropped (with any
/// connection still open to it) when disposed.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    readonly string _server;

    PostgresDatabase(string server, string connectionString)
    {
        _server = server;
        ConnectionString = connectionString;
    }

    /// <summary>The new database's connection string, for Keel's <c>Storage:ConnectionString</c>.</summary>
    public string ConnectionString { get; }

    /// <param name="server">Connection string of a database on the server to create it on (e.g. <c>Database=postgres</c>).</param>
    /// <param name="ct">Cancels the creation.</param>
    public static async Task<PostgresDatabase> CreateAsync(string server, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(server);
        if (!IsLoopback(builder.Host))
        {
            throw new ArgumentException($"the bench talks to loopback servers only, not Host={builder.Host}", nameof(server));
        }
        var name = "keel_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
        builder.Database = name;
        return new PostgresDatabase(server, builder.ConnectionString);
    }

    static bool IsLoopback(string? host) =>
        host is "localhost" || (host?.StartsWith('/') ?? false) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    public async ValueTask DisposeAsync()
    {
        await using var doomed = new NpgsqlConnection(ConnectionString);
        NpgsqlConnection.ClearPool(doomed);
        await using var server = new NpgsqlConnection(_server);
        await server.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{doomed.Database}\" WITH (FORCE)", server);
        await drop.ExecuteNonQueryAsync();
    }
}
