using Keel.Events;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Jobs;

/// <summary>
/// The batch loop and the notice claim that the scans over due rows share: key expiry notices, and the rotation
/// schedules of keys and webhook secrets.
/// </summary>
internal static class DueRows
{
    public const int Batch = 200;

    /// <summary>
    /// Loads due rows <see cref="Batch"/> at a time and acts on each; returns how many it acted on. It stops at a
    /// short batch, or at a full one of which nothing was acted on (it would come back unchanged: the next run
    /// tries again). A row whose action throws goes to <paramref name="failed"/>, and the others go on.
    /// </summary>
    public static async Task<int> ForEachDueAsync<T>(
        IServiceScopeFactory scopes, TimeProvider time, Func<KeelDb, DateTime, IQueryable<T>> due,
        Func<KeelDb, T, DateTime, Task<bool>> act, Action<T, Exception> failed, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var total = 0;
        List<T> rows;
        int acted;
        do
        {
            var now = time.GetUtcNow().UtcDateTime;
            rows = await due(db, now).Take(Batch).ToListAsync(ct);
            acted = 0;
            foreach (var row in rows)
            {
                try
                {
                    if (await act(db, row, now))
                    {
                        acted++;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    failed(row, e);
                }
                db.ChangeTracker.Clear();
            }
            total += acted;
        }
        while (rows.Count == Batch && acted > 0);
        return total;
    }

    /// <summary>
    /// Sends one notice: <paramref name="claim"/> marks the row's notice as sent where it is still unsent as read,
    /// so of two scans one announces it, and the event commits with the claim.
    /// </summary>
    public static async Task<bool> AnnounceAsync(
        KeelDb db, Outbox outbox, Func<Task<int>> claim, string tenantId, string type, object payload, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await claim() != 1)
        {
            return false;
        }
        var staged = await outbox.StageAsync(db, tenantId, type, payload, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Wake(db, staged);
        return true;
    }
}
