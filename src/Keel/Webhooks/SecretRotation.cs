using Keel.Events;
using Keel.Jobs;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Webhooks;

/// <summary>
/// Rotates an endpoint's signing secret in place: a new current secret, the old ones signing beside it
/// until the grace ends, <c>endpoint.secret_rotated</c> in the same transaction, and the schedule (if
/// any) restarted from now. The one path for <c>POST .../secret/rotate</c> and the scheduler.
/// </summary>
public sealed class SecretRotation(SecretKeeper keeper, Outbox outbox, TimeProvider time)
{
    /// <summary>
    /// Rotates the secret of <paramref name="endpoint"/> (read by the caller, untracked); its schedule
    /// fields are updated to match. With <paramref name="scheduledFor"/> it is the scheduler's rotation of
    /// that due date, which a changed schedule or a disabled endpoint puts off. Null when the endpoint is gone
    /// or the scheduled rotation is off.
    /// </summary>
    public async Task<string?> RotateAsync(KeelDb db, WebhookEndpoint endpoint, TimeSpan grace, DateTime? scheduledFor, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var (next, noticeDue) = RotationSchedules.NextTimes(endpoint, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Claims the rotation (of concurrent ones, each rotates after the previous commits on PostgreSQL;
        // a scheduled one only if its due date is still the endpoint's) and moves the schedule on.
        var target = db.Endpoints.Where(e => e.TenantId == endpoint.TenantId && e.Id == endpoint.Id);
        if (scheduledFor is { } due)
        {
            target = target.Where(e => e.NextRotationAt == due && e.DisabledAt == null);
        }
        var claimed = await target.ExecuteUpdateAsync(s => s.SetProperty(e => e.UpdatedAt, now)
            .SetProperty(e => e.NextRotationAt, next).SetProperty(e => e.RotationNoticeDueAt, noticeDue), ct);
        if (claimed == 0)
        {
            return null;
        }
        var graceEnd = now + grace;
        var live = await db.EndpointSecrets.Where(s => s.TenantId == endpoint.TenantId && s.EndpointId == endpoint.Id && (s.ExpiresAt == null || s.ExpiresAt > now))
            .OrderByDescending(s => s.Id).ToListAsync(ct);
        foreach (var old in live)
        {
            old.ExpiresAt = old.ExpiresAt is { } e && e < graceEnd ? e : graceEnd;
        }
        // The newest old secrets keep signing; beyond the limit the oldest stop now.
        foreach (var old in live.Skip(SecretKeeper.MaxOldSecrets))
        {
            old.ExpiresAt = now;
        }
        var (row, secret) = keeper.Issue(endpoint.TenantId, endpoint.Id, now);
        db.EndpointSecrets.Add(row);
        (endpoint.UpdatedAt, endpoint.NextRotationAt, endpoint.RotationNoticeDueAt) = (now, next, noticeDue);
        var staged = await outbox.StageAsync(db, endpoint.TenantId, EventTypeNames.EndpointSecretRotated,
            new SecretRotatedPayload(endpoint.Id, now, graceEnd, Scheduled: scheduledFor is not null, RotationSchedules.View(endpoint)), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Wake(db, staged);
        return secret;
    }
}
