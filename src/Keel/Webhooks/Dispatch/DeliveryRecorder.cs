using Keel.Events;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

/// <summary>
/// Writes a batch of outcomes in one transaction: the attempts, each delivery's new state (only if the
/// worker still holds its lease: the fencing token is the concurrency token of the update), and the
/// endpoints' health, disabling those that failed for too long or answered 410 (with an
/// <c>endpoint.disabled</c> event through the outbox, in the same transaction). On PostgreSQL the
/// attempts and deliveries are written by <see cref="OutcomeStatements"/>: the same rows, in one statement.
/// </summary>
internal sealed partial class DeliveryRecorder(
    IServiceScopeFactory scopes, Outbox outbox, TimeProvider time, IOptions<WebhooksOptions> options, ILogger<DeliveryRecorder> logger)
{
    public async Task RecordAsync(IReadOnlyList<AttemptOutcome> outcomes, CancellationToken ct)
    {
        try
        {
            await WriteAsync(outcomes, ct);
        }
        catch (DbUpdateException e) when (outcomes.Count > 1)
        {
            // One bad row (its endpoint deleted meanwhile, say) must not lose the rest: one by one.
            BatchFailed(logger, outcomes.Count, e);
            foreach (var outcome in outcomes)
            {
                try
                {
                    await WriteAsync([outcome], ct);
                }
                catch (DbUpdateException single)
                {
                    // The delivery is gone or re-leased; the lease expiry hands it to a worker again if it still exists.
                    OutcomeLost(logger, outcome.Delivery.Id, single);
                }
            }
        }
    }

    async Task WriteAsync(IReadOnlyList<AttemptOutcome> outcomes, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var now = time.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (db is PostgresKeelDb)
        {
            await OutcomeStatements.WriteAsync(db, outcomes, now, ct);
        }
        else
        {
            foreach (var outcome in outcomes)
            {
                Apply(db, outcome, now);
            }
            await SaveFencedAsync(db, ct);
        }
        var disabled = await UpdateEndpointHealthAsync(db, outcomes, now, ct);
        await tx.CommitAsync(ct);
        if (disabled > 0)
        {
            outbox.Wake(db);
        }
    }

    static void Apply(KeelDb db, AttemptOutcome outcome, DateTime now)
    {
        if (outcome.Attempt is { } attempt)
        {
            db.Attempts.Add(attempt);
        }
        // Attached with the lease token it was claimed with: the UPDATE matches only if nobody re-claimed it.
        var d = new Delivery
        {
            Id = outcome.Delivery.Id,
            TenantId = outcome.Delivery.TenantId,
            EventId = outcome.Delivery.EventId,
            EndpointId = outcome.Delivery.EndpointId,
            EventType = outcome.Delivery.EventType,
            LeaseToken = outcome.Delivery.LeaseToken,
        };
        db.Deliveries.Attach(d);
        var entry = db.Entry(d);
        if (outcome.Attempt is not null)
        {
            d.AttemptCount = outcome.Delivery.AttemptCount + 1;
            d.LastAttemptAt = outcome.Attempt.AttemptedAt;
            d.LastStatusCode = outcome.Attempt.StatusCode;
            d.LastError = outcome.Attempt.ErrorCode;
            entry.Property(x => x.AttemptCount).IsModified = true;
            entry.Property(x => x.LastAttemptAt).IsModified = true;
            entry.Property(x => x.LastStatusCode).IsModified = true;
            entry.Property(x => x.LastError).IsModified = true;
        }
        d.LeasedUntil = null;
        entry.Property(x => x.LeasedUntil).IsModified = true;
        switch (outcome.Kind)
        {
            case OutcomeKind.Succeeded:
                d.Status = Delivery.Succeeded;
                d.CompletedAt = now;
                break;
            case OutcomeKind.Dead or OutcomeKind.Gone:
                d.Status = Delivery.Dead;
                d.CompletedAt = now;
                d.RoundFailures = outcome.Delivery.RoundFailures + 1;
                entry.Property(x => x.RoundFailures).IsModified = true;
                break;
            case OutcomeKind.Retry:
                d.RoundFailures = outcome.Delivery.RoundFailures + 1;
                d.NextAttemptAt = outcome.NextAttemptAt!.Value;
                entry.Property(x => x.RoundFailures).IsModified = true;
                entry.Property(x => x.NextAttemptAt).IsModified = true;
                break;
            case OutcomeKind.Deferred:
                d.NextAttemptAt = outcome.NextAttemptAt!.Value;
                entry.Property(x => x.NextAttemptAt).IsModified = true;
                break;
        }
        if (d.Status != Delivery.Pending)
        {
            entry.Property(x => x.Status).IsModified = true;
            entry.Property(x => x.CompletedAt).IsModified = true;
        }
        // The token moves on, so a late duplicate of this very write cannot match again.
        d.LeaseToken = outcome.Delivery.LeaseToken + 1;
        entry.Property(x => x.LeaseToken).IsModified = true;
    }

    /// <summary>Saves; a delivery whose lease was taken over is skipped with its attempt (the new holder records its own).</summary>
    static async Task SaveFencedAsync(KeelDb db, CancellationToken ct)
    {
        for (var round = 0; ; round++)
        {
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException e) when (round < 100)
            {
                foreach (var lost in e.Entries)
                {
                    lost.State = EntityState.Detached;
                }
            }
        }
    }

    /// <summary>Clears the failure clock of endpoints that succeeded, starts it for those that failed, disables the hopeless.</summary>
    async Task<int> UpdateEndpointHealthAsync(KeelDb db, IReadOnlyList<AttemptOutcome> outcomes, DateTime now, CancellationToken ct)
    {
        var attempted = outcomes.Where(o => o.Attempt is not null).ToList();
        var succeeded = attempted.Where(o => o.Kind == OutcomeKind.Succeeded).Select(o => o.EndpointId).Distinct().ToList();
        var failed = attempted.Where(o => o.Kind != OutcomeKind.Succeeded).Select(o => o.EndpointId).Except(succeeded).Distinct().ToList();
        var gone = attempted.Where(o => o.Kind == OutcomeKind.Gone).Select(o => o.EndpointId).Distinct().ToList();
        if (succeeded.Count > 0)
        {
            await db.Endpoints.Where(e => succeeded.Contains(e.Id) && e.FailingSince != null)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, (DateTime?)null), ct);
        }
        if (failed.Count == 0 && gone.Count == 0)
        {
            return 0;
        }
        await db.Endpoints.Where(e => failed.Contains(e.Id) && e.FailingSince == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, now), ct);
        var cutoff = now - options.Value.DisableAfter;
        var hopeless = await db.Endpoints.AsNoTracking()
            .Where(e => e.DisabledAt == null && (gone.Contains(e.Id) || (failed.Contains(e.Id) && e.FailingSince <= cutoff)))
            .ToListAsync(ct);
        foreach (var endpoint in hopeless)
        {
            var reason = gone.Contains(endpoint.Id)
                ? "The endpoint answered 410 Gone."
                : $"Every attempt failed since {endpoint.FailingSince:u}.";
            var disabled = await db.Endpoints.Where(e => e.TenantId == endpoint.TenantId && e.Id == endpoint.Id && e.DisabledAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.DisabledAt, now).SetProperty(e => e.DisabledReason, reason).SetProperty(e => e.UpdatedAt, now), ct);
            if (disabled == 1)
            {
                EndpointDisabled(logger, endpoint.Id, reason);
                await outbox.StageAsync(db, endpoint.TenantId, EventTypeNames.EndpointDisabled,
                    new EndpointDisabledPayload(endpoint.Id, endpoint.Url, reason, now), ct);
            }
        }
        await db.SaveChangesAsync(ct);
        return hopeless.Count;
    }

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Recording {Count} delivery outcomes together failed; recording them one by one")]
    static partial void BatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 43, Level = LogLevel.Information, Message = "The outcome of delivery {DeliveryId} was not recorded (deleted or re-leased)")]
    static partial void OutcomeLost(ILogger logger, string deliveryId, Exception exception);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} disabled: {Reason}")]
    static partial void EndpointDisabled(ILogger logger, string endpointId, string reason);
}

/// <summary>The payload of <c>endpoint.disabled</c>.</summary>
internal sealed record EndpointDisabledPayload(string EndpointId, string Url, string Reason, DateTime DisabledAt);
