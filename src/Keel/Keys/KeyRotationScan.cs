using Keel.Storage;
using Keel.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Keel.Keys;

/// <summary>
/// The keys' part of the rotation schedule: <c>key.rotation_due</c> <c>notify_days_before</c> ahead,
/// the rotation at <c>next_rotation_at</c> (through <see cref="KeyRotation"/>, like a manual one), and
/// the destruction of successor secrets nobody fetched before the grace ended.
/// </summary>
internal sealed partial class KeyRotationScan(
    IServiceScopeFactory scopes, KeyRotation rotation, Outbox outbox, TimeProvider time, ILogger<KeyRotationScan> logger) : IRotationScan
{
    const int Batch = 200;

    public string Name => "keys";

    public async Task<int> RunAsync(CancellationToken ct) =>
        await AnnounceAsync(ct) + await RotateAsync(ct) + await DestroyUnfetchedSecretsAsync(ct);

    async Task<int> AnnounceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var announced = 0;
        List<ApiKey> due;
        do
        {
            var now = time.GetUtcNow().UtcDateTime;
            due = await db.Keys.AsNoTracking()
                .Where(k => k.RotationNoticeDueAt != null && k.RotationNoticeDueAt <= now && k.NextRotationAt > now
                    && k.RevokedAt == null && k.RotatedToId == null && (k.ExpiresAt == null || k.ExpiresAt > now))
                .OrderBy(k => k.RotationNoticeDueAt).Take(Batch).ToListAsync(ct);
            foreach (var key in due)
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                // Clearing the notice time claims it: of two scans, one announces this due date.
                var claimed = await db.Keys.Where(k => k.TenantId == key.TenantId && k.Id == key.Id
                        && k.RotationNoticeDueAt == key.RotationNoticeDueAt && k.NextRotationAt == key.NextRotationAt)
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.RotationNoticeDueAt, (DateTime?)null), ct);
                if (claimed == 1)
                {
                    var staged = await outbox.StageAsync(db, key.TenantId, EventTypeNames.KeyRotationDue, KeyView.From(key, now), ct);
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct);
                    outbox.Wake(db, staged);
                    announced++;
                }
                db.ChangeTracker.Clear();
            }
        }
        while (due.Count == Batch);
        return announced;
    }

    async Task<int> RotateAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var rotated = 0;
        List<ApiKey> due;
        int claimedInBatch;
        do
        {
            var now = time.GetUtcNow().UtcDateTime;
            due = await db.Keys.AsNoTracking()
                .Where(k => k.NextRotationAt != null && k.NextRotationAt <= now
                    && k.RevokedAt == null && k.RotatedToId == null && (k.ExpiresAt == null || k.ExpiresAt > now))
                .OrderBy(k => k.NextRotationAt).Take(Batch).ToListAsync(ct);
            claimedInBatch = 0;
            foreach (var key in due)
            {
                try
                {
                    var grace = TimeSpan.FromSeconds(key.RotationGraceSeconds ?? 0);
                    if (await rotation.RotateAsync(db, key, grace, key.NextRotationAt, ct) is not null)
                    {
                        claimedInBatch++;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // One key that cannot be rotated must not hold up the others.
                    RotationFailed(logger, key.Id, e);
                }
                db.ChangeTracker.Clear();
            }
            rotated += claimedInBatch;
        }
        // A full batch of which none could be claimed would come back unchanged: leave it to the next run.
        while (due.Count == Batch && claimedInBatch > 0);
        return rotated;
    }

    /// <summary>A successor secret lives only as long as the grace of the key it replaces.</summary>
    async Task<int> DestroyUnfetchedSecretsAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var destroyed = 0;
        int batch;
        do
        {
            var now = time.GetUtcNow().UtcDateTime;
            batch = await db.Keys.Where(k => k.SuccessorSecret != null && (k.ExpiresAt <= now || k.RevokedAt != null))
                .OrderBy(k => k.ExpiresAt).Take(Batch)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.SuccessorSecret, (byte[]?)null), ct);
            destroyed += batch;
        }
        while (batch == Batch);
        return destroyed;
    }

    [LoggerMessage(EventId = 27, Level = LogLevel.Error, Message = "The scheduled rotation of key {KeyId} failed; trying again at the next scan")]
    static partial void RotationFailed(ILogger logger, string keyId, Exception exception);
}
