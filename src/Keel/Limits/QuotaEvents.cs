using Keel.Events;
using Keel.Storage;

namespace Keel.Limits;

/// <summary>
/// Announces soft limits and exhaustion through the webhook outbox: <c>quota.threshold_reached</c> for
/// each soft limit a consume crosses and <c>quota.exhausted</c> when one reaches the limit. Counters
/// are atomic, so exactly one consume crosses each mark in a period: each event goes out once per
/// threshold per period without any bookkeeping (a node counting locally while Redis is down may
/// announce a mark again).
/// </summary>
public sealed partial class QuotaEvents(IServiceScopeFactory scopes, Outbox outbox, ILogger<QuotaEvents> logger)
{
    public const string ThresholdReached = "quota.threshold_reached";
    public const string Exhausted = "quota.exhausted";

    /// <summary>The marks a consume of <paramref name="cost"/> that left <paramref name="used"/> crossed.</summary>
    public static IEnumerable<(string Type, double? Threshold)> Crossed(long used, long cost, long limit, IReadOnlyList<double> softLimits)
    {
        var before = used - cost;
        foreach (var fraction in softLimits)
        {
            var mark = (long)Math.Ceiling(fraction * limit);
            if (before < mark && used >= mark)
            {
                yield return (ThresholdReached, fraction);
            }
        }
        if (before < limit && used >= limit)
        {
            yield return (Exhausted, null);
        }
    }

    public async Task AnnounceAsync(string tenantId, string? keyId, QuotaUsageView quota, long cost, IReadOnlyList<double> softLimits, CancellationToken ct)
    {
        var crossed = Crossed(quota.Used, cost, quota.Limit, softLimits).ToList();
        if (crossed.Count == 0)
        {
            return;
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            foreach (var (type, threshold) in crossed)
            {
                await outbox.StageAsync(db, tenantId, type,
                    new QuotaEventPayload(keyId is null ? "tenant" : "key", tenantId, keyId, quota.Period, quota.Limit, quota.Used, threshold, quota.PeriodEnd), ct);
            }
            await db.SaveChangesAsync(ct);
            outbox.Wake(db);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The call itself was counted and answered; only the announcement is lost.
            AnnounceFailed(logger, tenantId, e);
        }
    }

    [LoggerMessage(EventId = 64, Level = LogLevel.Warning, Message = "A quota event for tenant {TenantId} could not be written")]
    static partial void AnnounceFailed(ILogger logger, string tenantId, Exception exception);
}

/// <summary>The payload of <c>quota.threshold_reached</c> and <c>quota.exhausted</c>.</summary>
public sealed record QuotaEventPayload(
    string Scope, string TenantId, string? KeyId, string Period, long Limit, long Used, double? Threshold, DateTimeOffset PeriodEnd);
