using Keel.Events;
using Keel.Jobs;
using Keel.Secrets;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Keys;

/// <summary>
/// Rotates a key: a successor with the same name, scopes, meta, role, expiry, limits, credits and
/// schedule, and the old key ending with its grace period. The one path for <c>POST /v1/keys/{id}/rotate</c>
/// and the scheduler. A manual rotation's caller shows the successor's secret once; a scheduled one has
/// nobody to show it to, so it is sealed into the old key's row until fetched once or the grace ends.
/// </summary>
public sealed class KeyRotation(Outbox outbox, KeyChangeBus changes, ISecretSealer sealer, TimeProvider time)
{
    /// <summary>
    /// Rotates <paramref name="old"/> (read by the caller, tracked or not). With <paramref name="scheduledFor"/>
    /// it is the scheduler's rotation of that due date, which a changed schedule cancels. Null when the key
    /// is no longer rotatable: another rotation won, or it was revoked or expired meanwhile.
    /// </summary>
    public async Task<RotatedKey?> RotateAsync(KeelDb db, ApiKey old, TimeSpan grace, DateTime? scheduledFor, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var (successor, secret) = KeyIssuer.Issue(old.TenantId, old.Kind, old.Name, old.Prefix, old.Role, now,
            old.OwnerId, [.. old.Scopes], old.Meta, old.ExpiresAt, rotatedFromId: old.Id);
        successor.PlanId = old.PlanId;
        successor.RateRequestsPerSecond = old.RateRequestsPerSecond;
        successor.RateBurst = old.RateBurst;
        successor.QuotaPeriod = old.QuotaPeriod;
        successor.QuotaLimit = old.QuotaLimit;
        // A usage-limited key's balance moves to its successor (the old key keeps none), so a rotation
        // never doubles the credits.
        successor.Remaining = old.Remaining;
        successor.RefillInterval = old.RefillInterval;
        successor.RefillAmount = old.RefillAmount;
        successor.RefilledAt = old.RefilledAt;
        RotationSchedules.Inherit(old, successor, now);
        var graceEnd = now + grace;
        DateTime? oldExpiresAt = old.ExpiresAt is { } e && e < graceEnd ? e : graceEnd;
        var sealedSecret = scheduledFor is null ? null : sealer.SealText(secret, SuccessorSecretContext(old, successor.Id));

        // Callers check the key first, but concurrent rotations (two requests, a request and the scheduler)
        // all pass such checks. This conditional update lets exactly one of them claim the key, so a key
        // never gets two live successors.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var target = db.Keys.Where(k => k.TenantId == old.TenantId && k.Id == old.Id && k.RotatedToId == null && k.RevokedAt == null
            && (k.ExpiresAt == null || k.ExpiresAt > now));
        if (scheduledFor is { } due)
        {
            target = target.Where(k => k.NextRotationAt == due);
        }
        var claimed = await target.ExecuteUpdateAsync(s => s.SetProperty(k => k.RotatedToId, successor.Id)
            .SetProperty(k => k.ExpiresAt, oldExpiresAt).SetProperty(k => k.UpdatedAt, now)
            .SetProperty(k => k.Remaining, k => k.Remaining == null ? null : 0)
            // The schedule carries on with the successor.
            .SetProperty(k => k.NextRotationAt, (DateTime?)null).SetProperty(k => k.RotationNoticeDueAt, (DateTime?)null)
            .SetProperty(k => k.SuccessorSecret, sealedSecret), ct);
        if (claimed == 0)
        {
            return null;
        }
        db.Keys.Add(successor);
        var view = KeyView.From(successor, now);
        var staged = await outbox.StageAsync(db, old.TenantId, EventTypeNames.KeyRotated,
            new KeyRotatedPayload(old.Id, oldExpiresAt, view, Scheduled: scheduledFor is not null), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Wake(db, staged);
        // Every node's cache must learn the old key's new expiry (and forget "no such key" for the new one).
        await changes.PublishAsync([old.Hash, successor.Hash], ct);
        return new RotatedKey(view, secret);
    }

    /// <summary>
    /// Takes the sealed successor secret out of <paramref name="old"/>'s row, once: the conditional update
    /// that clears it lets one of concurrent callers have it. Null when there is none (never sealed,
    /// already fetched, or the old key's grace is over or it was revoked).
    /// </summary>
    public async Task<string?> TakeSuccessorSecretAsync(KeelDb db, ApiKey old, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (old is not { SuccessorSecret: { } blob, RotatedToId: { } successorId } || old.StateAt(now) != KeyState.Active)
        {
            return null;
        }
        // Opened before it is cleared: a blob that does not open (a changed master key) fails the request
        // and stays, rather than being destroyed unread.
        var secret = sealer.OpenText(blob, SuccessorSecretContext(old, successorId));
        var taken = await db.Keys.Where(k => k.TenantId == old.TenantId && k.Id == old.Id && k.SuccessorSecret != null
                && k.RevokedAt == null && k.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.SuccessorSecret, (byte[]?)null), ct);
        return taken == 1 ? secret : null;
    }

    /// <summary>Binds the ciphertext to its tenant, its row and its successor: copied anywhere else, it does not open.</summary>
    static string SuccessorSecretContext(ApiKey old, string successorId) => $"keel.key.successor:{old.TenantId}:{old.Id}:{successorId}";
}

/// <summary>A rotation's successor as reads show it, and its secret.</summary>
public sealed record RotatedKey(KeyView Successor, string Secret);
