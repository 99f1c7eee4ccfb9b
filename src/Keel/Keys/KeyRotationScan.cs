using Keel.Events;
using Keel.Jobs;
using Keel.Storage;
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
    public string Name => "keys";

    public async Task<int> RunAsync(CancellationToken ct) =>
        await AnnounceAsync(ct) + await RotateAsync(ct) + await DestroyUnfetchedSecretsAsync(ct);

    Task<int> AnnounceAsync(CancellationToken ct) => DueRows.ForEachDueAsync(scopes, time,
        (db, now) => db.Keys.AsNoTracking()
            .Where(k => k.RotationNoticeDueAt != null && k.RotationNoticeDueAt <= now && k.NextRotationAt > now
                && k.RevokedAt == null && k.RotatedToId == null && (k.ExpiresAt == null || k.ExpiresAt > now))
            .OrderBy(k => k.RotationNoticeDueAt),
        (db, key, now) => DueRows.AnnounceAsync(db, outbox,
            () => db.Keys.Where(k => k.TenantId == key.TenantId && k.Id == key.Id
                    && k.RotationNoticeDueAt == key.RotationNoticeDueAt && k.NextRotationAt == key.NextRotationAt)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.RotationNoticeDueAt, (DateTime?)null), ct),
            key.TenantId, EventTypeNames.KeyRotationDue, KeyView.From(key, now), ct),
        (key, e) => ScheduleFailed(logger, key.Id, e), ct);

    Task<int> RotateAsync(CancellationToken ct) => DueRows.ForEachDueAsync(scopes, time,
        (db, now) => db.Keys.AsNoTracking()
            .Where(k => k.NextRotationAt != null && k.NextRotationAt <= now
                && k.RevokedAt == null && k.RotatedToId == null && (k.ExpiresAt == null || k.ExpiresAt > now))
            .OrderBy(k => k.NextRotationAt),
        async (db, key, _) => await rotation.RotateAsync(db, key, TimeSpan.FromSeconds(key.RotationGraceSeconds ?? 0), key.NextRotationAt, ct) is not null,
        (key, e) => ScheduleFailed(logger, key.Id, e), ct);

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
                .OrderBy(k => k.ExpiresAt).Take(DueRows.Batch)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.SuccessorSecret, (byte[]?)null), ct);
            destroyed += batch;
        }
        while (batch == DueRows.Batch);
        return destroyed;
    }

    [LoggerMessage(EventId = 27, Level = LogLevel.Error, Message = "The rotation notice or scheduled rotation of key {KeyId} failed; trying again at the next scan")]
    static partial void ScheduleFailed(ILogger logger, string keyId, Exception exception);
}
