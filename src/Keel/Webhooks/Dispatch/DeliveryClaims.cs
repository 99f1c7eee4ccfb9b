using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Webhooks;

/// <summary>
/// Claims due deliveries for one worker. A claim sets <c>leased_until</c> to the end of a lease and
/// raises the fencing token in the same statement, so a claimed delivery is invisible to other workers
/// until the lease runs out, and a worker that lost its lease cannot record over the new holder.
/// Neither column is indexed: on PostgreSQL the claim is a HOT update, which writes no index entry.
/// An ordered endpoint's delivery is claimable only when no earlier delivery of that endpoint is pending
/// (claimed ones included): its events go out one at a time, in order.
/// </summary>
internal static class DeliveryClaims
{
    public static async Task<List<Delivery>> ClaimAsync(KeelDb db, DateTime now, DateTime leaseUntil, int limit, CancellationToken ct)
    {
        if (db is not PostgresKeelDb)
        {
            // SQLite has one writer at a time: the single statement is the lock.
            return await db.Deliveries.FromSql($"""
                UPDATE webhook_deliveries
                SET leased_until = {leaseUntil}, lease_token = lease_token + 1
                WHERE rowid IN (
                    SELECT c.rowid FROM webhook_deliveries AS c
                    JOIN webhook_endpoints AS e ON e.tenant_id = c.tenant_id AND e.id = c.endpoint_id
                    WHERE c.status = 'pending' AND c.next_attempt_at <= {now} AND (c.leased_until IS NULL OR c.leased_until <= {now})
                      AND e.disabled_at IS NULL
                      AND (NOT e.ordered OR NOT EXISTS (
                          SELECT 1 FROM webhook_deliveries AS p
                          WHERE p.tenant_id = c.tenant_id AND p.endpoint_id = c.endpoint_id AND p.status = 'pending' AND p.id < c.id))
                    ORDER BY c.next_attempt_at
                    LIMIT {limit})
                RETURNING *
                """).AsNoTracking().ToListAsync(ct);
        }
        // A claim must walk the due index in order and stop at the limit: reading and sorting every due delivery
        // costs as much as the backlog is long. During a storm the statistics lag behind the table and the planner
        // picks the sort, so sorting is ruled out; the endpoint is checked in a scalar subquery, which cannot become
        // the hash join that a never-analyzed endpoints table led it into (docs/benchmarks-history.md, Webhook storm).
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlRawAsync("SET LOCAL enable_sort = off", ct);
        // SKIP LOCKED: concurrent workers take disjoint rows instead of queueing behind each other.
        var claimed = await db.Deliveries.FromSql($"""
            UPDATE webhook_deliveries AS d
            SET leased_until = {leaseUntil}, lease_token = d.lease_token + 1
            FROM (
                SELECT c.tenant_id, c.id FROM webhook_deliveries AS c
                WHERE c.status = 'pending' AND c.next_attempt_at <= {now} AND (c.leased_until IS NULL OR c.leased_until <= {now})
                  AND (SELECT e.disabled_at IS NULL AND (NOT e.ordered OR NOT EXISTS (
                          SELECT 1 FROM webhook_deliveries AS p
                          WHERE p.tenant_id = c.tenant_id AND p.endpoint_id = c.endpoint_id AND p.status = 'pending' AND p.id < c.id))
                      FROM webhook_endpoints AS e WHERE e.tenant_id = c.tenant_id AND e.id = c.endpoint_id)
                ORDER BY c.next_attempt_at
                LIMIT {limit}
                FOR UPDATE OF c SKIP LOCKED
            ) AS due
            WHERE d.tenant_id = due.tenant_id AND d.id = due.id
            RETURNING d.*
            """).AsNoTracking().ToListAsync(ct);
        await tx.CommitAsync(ct);
        return claimed;
    }
}
