using Keel.Keys;
using Keel.Storage;
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
    const int Batch = 200;

    public string Name => "webhook secrets";

    public async Task<int> RunAsync(CancellationToken ct) => await AnnounceAsync(ct) + await RotateAsync(ct);

    async Task<int> AnnounceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var announced = 0;
        List<WebhookEndpoint> due;
        do
        {
            var now = time.GetUtcNow().UtcDateTime;
            due = await db.Endpoints.AsNoTracking()
                .Where(e => e.RotationNoticeDueAt != null && e.RotationNoticeDueAt <= now && e.NextRotationAt > now && e.DisabledAt == null)
                .OrderBy(e => e.RotationNoticeDueAt).Take(Batch).ToListAsync(ct);
            foreach (var endpoint in due)
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                // Clearing the notice time claims it: of two scans, one announces this due date.
                var claimed = await db.Endpoints.Where(e => e.TenantId == endpoint.TenantId && e.Id == endpoint.Id
                        && e.RotationNoticeDueAt == endpoint.RotationNoticeDueAt && e.NextRotationAt == endpoint.NextRotationAt)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.RotationNoticeDueAt, (DateTime?)null), ct);
                if (claimed == 1)
                {
                    var staged = await outbox.StageAsync(db, endpoint.TenantId, EventTypeNames.EndpointSecretRotationDue,
                        new SecretRotationDuePayload(endpoint.Id, endpoint.Url, RotationSchedules.View(endpoint)!), ct);
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
        List<WebhookEndpoint> due;
        int claimedInBatch;
        do
        {
            var now = time.GetUtcNow().UtcDateTime;
            // A disabled endpoint (by failures, or its tenant deleted) receives nothing: its rotation waits
            // until it is enabled again, and then happens at the next scan.
            due = await db.Endpoints.AsNoTracking().Where(e => e.NextRotationAt != null && e.NextRotationAt <= now && e.DisabledAt == null)
                .OrderBy(e => e.NextRotationAt).Take(Batch).ToListAsync(ct);
            claimedInBatch = 0;
            foreach (var endpoint in due)
            {
                try
                {
                    var grace = TimeSpan.FromSeconds(endpoint.RotationGraceSeconds ?? 0);
                    if (await rotation.RotateAsync(db, endpoint, grace, endpoint.NextRotationAt, ct) is not null)
                    {
                        claimedInBatch++;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // One endpoint that cannot be rotated must not hold up the others.
                    RotationFailed(logger, endpoint.Id, e);
                }
                db.ChangeTracker.Clear();
            }
            rotated += claimedInBatch;
        }
        // A full batch of which none could be claimed would come back unchanged: leave it to the next run.
        while (due.Count == Batch && claimedInBatch > 0);
        return rotated;
    }

    [LoggerMessage(EventId = 28, Level = LogLevel.Error, Message = "The scheduled secret rotation of endpoint {EndpointId} failed; trying again at the next scan")]
    static partial void RotationFailed(ILogger logger, string endpointId, Exception exception);
}
