using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Keel.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Keel.Bench;

/// <summary>How long seeding took: the inserts, then the statistics (and on SQLite the WAL checkpoint).</summary>
public sealed record SeedResult(int Rows, TimeSpan Insert, TimeSpan Analyze, string AnalyzeCommand)
{
    public double RowsPerSecond => Rows / Insert.TotalSeconds;
}

/// <summary>
/// Writes client keys for one tenant straight into <c>api_keys</c>, bypassing the API: every NOT NULL
/// column filled as Keel fills it (time-ordered <c>key_</c> ids from <see cref="Ids"/>, a unique
/// 64-character hex hash, kind <c>client</c>, no scopes, UTC times). SQLite: one transaction of a prepared
/// INSERT; PostgreSQL: binary COPY. Then statistics for the planner.
/// </summary>
public static class KeySeeder
{
    const string Prefix = "bench";
    const int ProgressEvery = 200_000;
    const string Columns = "id, tenant_id, kind, name, prefix, start, hash, scopes, created_at, updated_at";

    public static async Task<SeedResult> SeedAsync(BenchStorage storage, string tenantId, int rows, CancellationToken ct)
    {
        await using var connection = await storage.OpenAsync(ct);
        var now = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        if (connection is NpgsqlConnection pg)
        {
            await CopyAsync(pg, tenantId, rows, now, ct);
        }
        else
        {
            await InsertAsync((SqliteConnection)connection, tenantId, rows, now, ct);
        }
        var insert = clock.Elapsed;
        // PostgreSQL: VACUUM as well, as autovacuum would soon after a million inserts (visibility map, hint
        // bits), so that it does not start in the middle of the measurement. SQLite: fold the WAL back in.
        var analyze = storage.IsPostgres ? "VACUUM (ANALYZE) api_keys" : "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)";
        clock.Restart();
        await using (var command = BenchStorage.Command(connection, analyze))
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        return new SeedResult(rows, insert, clock.Elapsed, analyze);
    }

    static async Task InsertAsync(SqliteConnection connection, string tenantId, int rows, DateTime now, CancellationToken ct)
    {
        // This connection only: a large page cache for the random-order hash index, no fsync per page.
        await using (var pragma = BenchStorage.Command(connection, "PRAGMA cache_size = -262144; PRAGMA synchronous = OFF"))
        {
            await pragma.ExecuteNonQueryAsync(ct);
        }
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var insert = BenchStorage.Command(connection,
            $"INSERT INTO api_keys ({Columns}) VALUES (@id, @tenant, 'client', @name, '{Prefix}', @start, @hash, '[]', @now, @now)",
            ("@id", ""), ("@tenant", tenantId), ("@name", ""), ("@start", ""), ("@hash", ""),
            // Microsoft.Data.Sqlite's own DateTime text form, which EF Core reads back.
            ("@now", now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)));
        insert.Transaction = transaction;
        await insert.PrepareAsync(ct);
        InsertRows(insert, rows, ct);
        await transaction.CommitAsync(ct);
    }

    static void InsertRows(DbCommand insert, int rows, CancellationToken ct)
    {
        var (id, name, start, hash) = (insert.Parameters["@id"], insert.Parameters["@name"], insert.Parameters["@start"], insert.Parameters["@hash"]);
        for (var i = 0; i < rows; i++)
        {
            var row = NewRow(i);
            (id.Value, name.Value, start.Value, hash.Value) = (row.Id, row.Name, row.Start, row.Hash);
            insert.ExecuteNonQuery();
            Progress(i + 1, rows, ct);
        }
    }

    static async Task CopyAsync(NpgsqlConnection connection, string tenantId, int rows, DateTime now, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync($"COPY api_keys ({Columns}) FROM STDIN (FORMAT BINARY)", ct);
        CopyRows(writer, tenantId, rows, now, ct);
        await writer.CompleteAsync(ct);
    }

    static void CopyRows(NpgsqlBinaryImporter writer, string tenantId, int rows, DateTime now, CancellationToken ct)
    {
        var noScopes = Array.Empty<string>();
        for (var i = 0; i < rows; i++)
        {
            var row = NewRow(i);
            writer.StartRow();
            writer.Write(row.Id, NpgsqlDbType.Varchar);
            writer.Write(tenantId, NpgsqlDbType.Varchar);
            writer.Write("client", NpgsqlDbType.Varchar);
            writer.Write(row.Name, NpgsqlDbType.Varchar);
            writer.Write(Prefix, NpgsqlDbType.Varchar);
            writer.Write(row.Start, NpgsqlDbType.Varchar);
            writer.Write(row.Hash, NpgsqlDbType.Varchar);
            writer.Write(noScopes, NpgsqlDbType.Array | NpgsqlDbType.Text);
            writer.Write(now, NpgsqlDbType.TimestampTz);
            writer.Write(now, NpgsqlDbType.TimestampTz);
            Progress(i + 1, rows, ct);
        }
    }

    static (string Id, string Name, string Start, string Hash) NewRow(int i)
    {
        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        var hash = Convert.ToHexStringLower(random);
        return (Ids.New("key"), $"bench key {i}", $"{Prefix}_{hash[..4]}", hash);
    }

    static void Progress(int done, int rows, CancellationToken ct)
    {
        if (done % ProgressEvery == 0 || done == rows)
        {
            ct.ThrowIfCancellationRequested();
            Console.Error.WriteLine($"    seeded {done:N0} / {rows:N0}");
        }
    }
}
