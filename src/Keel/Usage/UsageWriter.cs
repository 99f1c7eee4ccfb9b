using System.Text;
using Keel.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Keel.Usage;

/// <summary>
/// Writes a node's minute counters: one upsert per table per batch (PostgreSQL: arrays through
/// <c>unnest</c>; SQLite: multi-row VALUES), all in one transaction. Each row is the node's cumulative
/// count for its minute, and a conflict keeps the larger value, so a retried or late flush never adds
/// twice and never moves a count back.
/// </summary>
internal static class UsageWriter
{
    const string KeyColumns = "valid, revoked, expired, forbidden_scope, rate_limited, quota_exceeded";

    const string PostgresKeys = $"""
        INSERT INTO usage_key_counts (tenant_id, key_id, granularity, ts, node, {KeyColumns})
        SELECT u.tenant_id, u.key_id, 60, u.ts, @node, u.valid, u.revoked, u.expired, u.forbidden_scope, u.rate_limited, u.quota_exceeded
        FROM unnest(@tenant_id, @key_id, @ts, @valid, @revoked, @expired, @forbidden_scope, @rate_limited, @quota_exceeded)
            AS u(tenant_id, key_id, ts, valid, revoked, expired, forbidden_scope, rate_limited, quota_exceeded)
        ON CONFLICT (tenant_id, key_id, granularity, ts, node) DO UPDATE SET
            valid = GREATEST(usage_key_counts.valid, excluded.valid),
            revoked = GREATEST(usage_key_counts.revoked, excluded.revoked),
            expired = GREATEST(usage_key_counts.expired, excluded.expired),
            forbidden_scope = GREATEST(usage_key_counts.forbidden_scope, excluded.forbidden_scope),
            rate_limited = GREATEST(usage_key_counts.rate_limited, excluded.rate_limited),
            quota_exceeded = GREATEST(usage_key_counts.quota_exceeded, excluded.quota_exceeded)
        """;

    const string PostgresFailures = """
        INSERT INTO usage_failure_counts (tenant_id, granularity, ts, code, prefix, node, count)
        SELECT u.tenant_id, 60, u.ts, u.code, u.prefix, @node, u.count
        FROM unnest(@tenant_id, @ts, @code, @prefix, @count) AS u(tenant_id, ts, code, prefix, count)
        ON CONFLICT (tenant_id, granularity, ts, code, prefix, node) DO UPDATE SET count = GREATEST(usage_failure_counts.count, excluded.count)
        """;

    const string SqliteKeysConflict = """
        ON CONFLICT (tenant_id, key_id, granularity, ts, node) DO UPDATE SET
            valid = MAX(valid, excluded.valid), revoked = MAX(revoked, excluded.revoked), expired = MAX(expired, excluded.expired),
            forbidden_scope = MAX(forbidden_scope, excluded.forbidden_scope), rate_limited = MAX(rate_limited, excluded.rate_limited),
            quota_exceeded = MAX(quota_exceeded, excluded.quota_exceeded)
        """;

    /// <summary>Rows per SQLite statement: 11 parameters each stays far below SQLite's limit of 32766.</summary>
    const int SqliteRows = 500;

    public static async Task WriteAsync(KeelDb db, string node, UsageBatch batch, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (db is PostgresKeelDb)
        {
            await WritePostgresAsync(db, node, batch, ct);
        }
        else
        {
            await WriteSqliteAsync(db, node, batch, ct);
        }
        await tx.CommitAsync(ct);
    }

    static async Task WritePostgresAsync(KeelDb db, string node, UsageBatch batch, CancellationToken ct)
    {
        if (batch.Keys.Count > 0)
        {
            var keys = batch.Keys;
            await db.Database.ExecuteSqlRawAsync(PostgresKeys, [
                new NpgsqlParameter("node", node),
                new NpgsqlParameter("tenant_id", keys.Select(k => k.Minute.TenantId).ToArray()),
                new NpgsqlParameter("key_id", keys.Select(k => k.Minute.KeyId).ToArray()),
                new NpgsqlParameter("ts", keys.Select(k => k.Minute.Ts).ToArray()),
                .. Enumerable.Range(0, UsageOutcomes.KeyColumns).Select(i =>
                    new NpgsqlParameter(UsageOutcomes.Columns[i], keys.Select(k => k.Values[i]).ToArray())),
            ], ct);
        }
        if (batch.Failures.Count > 0)
        {
            var failures = batch.Failures;
            await db.Database.ExecuteSqlRawAsync(PostgresFailures, [
                new NpgsqlParameter("node", node),
                new NpgsqlParameter("tenant_id", failures.Select(f => f.Minute.TenantId).ToArray()),
                new NpgsqlParameter("ts", failures.Select(f => f.Minute.Ts).ToArray()),
                new NpgsqlParameter("code", failures.Select(f => f.Minute.Code).ToArray()),
                new NpgsqlParameter("prefix", failures.Select(f => f.Minute.Prefix).ToArray()),
                new NpgsqlParameter("count", failures.Select(f => f.Value).ToArray()),
            ], ct);
        }
    }

    static async Task WriteSqliteAsync(KeelDb db, string node, UsageBatch batch, CancellationToken ct)
    {
        foreach (var chunk in batch.Keys.Chunk(SqliteRows))
        {
            await SqliteUpsertAsync(db, $"INSERT INTO usage_key_counts (tenant_id, key_id, granularity, ts, node, {KeyColumns}) VALUES ",
                SqliteKeysConflict, chunk.Select(k => (object[])[k.Minute.TenantId, k.Minute.KeyId, 60, k.Minute.Ts, node, .. k.Values.Cast<object>()]), ct);
        }
        foreach (var chunk in batch.Failures.Chunk(SqliteRows))
        {
            await SqliteUpsertAsync(db, "INSERT INTO usage_failure_counts (tenant_id, granularity, ts, code, prefix, node, count) VALUES ",
                "ON CONFLICT (tenant_id, granularity, ts, code, prefix, node) DO UPDATE SET count = MAX(count, excluded.count)",
                chunk.Select(f => (object[])[f.Minute.TenantId, 60, f.Minute.Ts, f.Minute.Code, f.Minute.Prefix, node, f.Value]), ct);
        }
    }

    static async Task SqliteUpsertAsync(KeelDb db, string insert, string conflict, IEnumerable<object[]> rows, CancellationToken ct)
    {
        var sql = new StringBuilder(insert);
        var parameters = new List<SqliteParameter>();
        foreach (var row in rows)
        {
            sql.Append(parameters.Count == 0 ? "(" : ", (");
            for (var i = 0; i < row.Length; i++)
            {
                var name = "@p" + parameters.Count;
                sql.Append(i == 0 ? name : ", " + name);
                parameters.Add(new SqliteParameter(name, row[i]));
            }
            sql.Append(')');
        }
        sql.Append(' ').Append(conflict);
        await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, ct);
    }
}
