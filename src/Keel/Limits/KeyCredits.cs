using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Limits;

/// <summary>
/// Spends a usage-limited key's credits: one conditional UPDATE on the key's row, which the database
/// serialises, so the balance never goes below zero whatever the concurrency and however many nodes.
/// This is the one verify that writes to the database. A refill that is due (a new UTC day or month
/// since <c>refilled_at</c>) replaces the balance in the same statement, before spending.
/// </summary>
public sealed class KeyCredits(IServiceScopeFactory scopes)
{
    /// <summary>Spends <paramref name="cost"/> if the balance allows; returns whether it did and the balance after.</summary>
    public async Task<(bool Spent, long Remaining)> SpendAsync(string tenantId, string keyId, long cost, DateTimeOffset now, CancellationToken ct)
    {
        var day = QuotaPeriods.Current("day", now).Start.UtcDateTime;
        var month = QuotaPeriods.Current("month", now).Start.UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        // "due" below: the key refills and its balance is from an earlier period than the current one.
        var after = await db.Database.SqlQuery<long>($"""
            UPDATE api_keys SET
                remaining = (CASE WHEN refill_interval IS NOT NULL AND (refilled_at IS NULL OR refilled_at < (CASE refill_interval WHEN 'day' THEN {day} ELSE {month} END))
                             THEN refill_amount ELSE remaining END) - {cost},
                refilled_at = CASE WHEN refill_interval IS NOT NULL AND (refilled_at IS NULL OR refilled_at < (CASE refill_interval WHEN 'day' THEN {day} ELSE {month} END))
                             THEN (CASE refill_interval WHEN 'day' THEN {day} ELSE {month} END) ELSE refilled_at END
            WHERE tenant_id = {tenantId} AND id = {keyId} AND remaining IS NOT NULL
              AND (CASE WHEN refill_interval IS NOT NULL AND (refilled_at IS NULL OR refilled_at < (CASE refill_interval WHEN 'day' THEN {day} ELSE {month} END))
                   THEN refill_amount ELSE remaining END) >= {cost}
            RETURNING remaining AS "Value"
            """).ToListAsync(ct);
        if (after.Count == 1)
        {
            return (true, after[0]);
        }
        var left = await db.Keys.Where(k => k.TenantId == tenantId && k.Id == keyId).Select(k => k.Remaining).SingleOrDefaultAsync(ct);
        return (false, left ?? 0);
    }
}
