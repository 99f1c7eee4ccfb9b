using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Usage;

/// <summary>
/// Recomputes coarser rows from finer ones over a range: the sum over every node and finer bucket, written as
/// an absolute value, so recomputing a period again (a late flush, a second run) only ever corrects it.
/// The same SQL on both databases (<c>INSERT ... SELECT ... ON CONFLICT</c>; SQLite needs the WHERE it has).
/// </summary>
internal static class RollupStatements
{
    public static async Task RollUpAsync(KeelDb db, Granularity from, Granularity to, long start, long end, CancellationToken ct)
    {
        // The widths are this code's constants (never input), written as literals so that PostgreSQL sees the
        // same expression in the SELECT and the GROUP BY.
        var (f, t) = ((int)from, (int)to);
        var keys = $"""
            INSERT INTO usage_key_counts (tenant_id, key_id, granularity, ts, node, valid, revoked, expired, forbidden_scope, rate_limited, quota_exceeded)
            SELECT tenant_id, key_id, {t}, ts - ts % {t}, '', SUM(valid), SUM(revoked), SUM(expired), SUM(forbidden_scope), SUM(rate_limited), SUM(quota_exceeded)
            FROM usage_key_counts
            WHERE granularity = {f} AND ts >= @start AND ts < @end
            GROUP BY tenant_id, key_id, ts - ts % {t}
            ON CONFLICT (tenant_id, key_id, granularity, ts, node) DO UPDATE SET
                valid = excluded.valid, revoked = excluded.revoked, expired = excluded.expired,
                forbidden_scope = excluded.forbidden_scope, rate_limited = excluded.rate_limited, quota_exceeded = excluded.quota_exceeded
            """;
        var failures = $"""
            INSERT INTO usage_failure_counts (tenant_id, granularity, ts, code, prefix, node, count)
            SELECT tenant_id, {t}, ts - ts % {t}, code, prefix, '', SUM(count)
            FROM usage_failure_counts
            WHERE granularity = {f} AND ts >= @start AND ts < @end
            GROUP BY tenant_id, ts - ts % {t}, code, prefix
            ON CONFLICT (tenant_id, granularity, ts, code, prefix, node) DO UPDATE SET count = excluded.count
            """;
        await db.Database.ExecuteSqlRawAsync(keys, Parameters(db, start, end), ct);
        await db.Database.ExecuteSqlRawAsync(failures, Parameters(db, start, end), ct);
    }

    /// <summary>Moves a mark forward (never back: a slower node's run may finish after a faster one's).</summary>
    public static Task<int> MarkAsync(KeelDb db, Granularity granularity, long rolledTo, CancellationToken ct) =>
        db is PostgresKeelDb
            ? db.Database.ExecuteSqlAsync($"""
                INSERT INTO usage_rollup_marks (granularity, rolled_to) VALUES ({(int)granularity}, {rolledTo})
                ON CONFLICT (granularity) DO UPDATE SET rolled_to = GREATEST(usage_rollup_marks.rolled_to, excluded.rolled_to)
                """, ct)
            : db.Database.ExecuteSqlAsync($"""
                INSERT INTO usage_rollup_marks (granularity, rolled_to) VALUES ({(int)granularity}, {rolledTo})
                ON CONFLICT (granularity) DO UPDATE SET rolled_to = MAX(rolled_to, excluded.rolled_to)
                """, ct);

    static object[] Parameters(KeelDb db, long start, long end) => db is PostgresKeelDb
        ? [new Npgsql.NpgsqlParameter("start", start), new Npgsql.NpgsqlParameter("end", end)]
        : [new Microsoft.Data.Sqlite.SqliteParameter("@start", start), new Microsoft.Data.Sqlite.SqliteParameter("@end", end)];
}
