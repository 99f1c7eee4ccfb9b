using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Keel.Storage;

/// <summary>
/// Inserts that must not take a tenant past a cap. Counting and then inserting overshoots when creates race
/// (docs/security.md), so the count and the save run in one transaction that creates of the same kind for the
/// same tenant take in turns: on PostgreSQL behind a transaction-scoped advisory lock on (tenant, kind); on SQLite a
/// write transaction begins IMMEDIATE, which already admits one writer at a time. Counting the rows themselves, rather than
/// keeping a counter, leaves nothing to drift when rows are deleted by other paths.
/// </summary>
public static class TenantCaps
{
    /// <summary>
    /// Saves the pending changes if <paramref name="rows"/> (the tenant's rows of one kind) number fewer than
    /// <paramref name="cap"/>; returns false, saving nothing, when they do not.
    /// </summary>
    public static async Task<bool> SaveWithinCapAsync<T>(this TenantDb tenant, IQueryable<T> rows, string kind, int cap, CancellationToken ct)
    {
        var db = tenant.Db;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (db is PostgresKeelDb)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockIdOf(tenant.TenantId, kind)})", ct);
        }
        if (await rows.CountAsync(ct) >= cap)
        {
            return false;
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>The advisory lock's key: the first 8 bytes of SHA-256 of kind and tenant (job leases hash another prefix).</summary>
    internal static long LockIdOf(string tenantId, string kind) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"keel.cap:{kind}:{tenantId}")));
}
