using Keel.Events;
using Keel.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Keel.Webhooks;

/// <summary>
/// The webhook secrets' part of the rotation schedule: <c>endpoint.secret_rotation_due</c>
/// <c>notify_days_before</c> ahead, and the in-place rotation at <c>next_rotation_at</c> through
/// <see cref="SecretRotation"/>, like a manual one.
/// </summary>
internal sealed partial class SecretRotationScan(
    IServiceScopeFactory scopes, SecretRotation rotation, Outbox outbox, TimeProvider time, ILogger<SecretRotationScan> logger) : IRotationScan
{
    public string Name => "webhook secrets";

    public async Task<int> RunAsync(CancellationToken ct) => await AnnounceAsync(ct) + await RotateAsync(ct);

    Task<int> AnnounceAsync(CancellationToken ct) => DueRows.ForEachDueAsync(scopes, time,
        (db, now) => db.Endpoints.AsNoTracking()
            .Where(e => e.RotationNoticeDueAt != null && e.RotationNoticeDueAt <= now && e.NextRotationAt > now && e.DisabledAt == null)
            .OrderBy(e => e.RotationNoticeDueAt),
        (db, endpoint, _) => DueRows.AnnounceAsync(db, outbox,
            () => db.Endpoints.Where(e => e.TenantId == endpoint.TenantId && e.Id == endpoint.Id
                    && e.RotationNoticeDueAt == endpoint.RotationNoticeDueAt && e.NextRotationAt == endpoint.NextRotationAt)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.RotationNoticeDueAt, (DateTime?)null), ct),
            endpoint.TenantId, EventTypeNames.EndpointSecretRotationDue,
            new SecretRotationDuePayload(endpoint.Id, endpoint.Url, RotationSchedules.View(endpoint)!), ct),
        (endpoint, e) => ScheduleFailed(logger, endpoint.Id, e), ct);

    // A disabled endpoint (by failures, or its tenant deleted) receives nothing: its rotation waits until it
    // is enabled again, and then happens at the next scan.
    Task<int> RotateAsync(CancellationToken ct) => DueRows.ForEachDueAsync(scopes, time,
        (db, now) => db.Endpoints.AsNoTracking().Where(e => e.NextRotationAt != null && e.NextRotationAt <= now && e.DisabledAt == null)
            .OrderBy(e => e.NextRotationAt),
        async (db, endpoint, _) =>
            await rotation.RotateAsync(db, endpoint, TimeSpan.FromSeconds(endpoint.RotationGraceSeconds ?? 0), endpoint.NextRotationAt, ct) is not null,
        (endpoint, e) => ScheduleFailed(logger, endpoint.Id, e), ct);

    [LoggerMessage(EventId = 28, Level = LogLevel.Error, Message = "The rotation notice or scheduled secret rotation of endpoint {EndpointId} failed; trying again at the next scan")]
    static partial void ScheduleFailed(ILogger logger, string endpointId, Exception exception);
}
