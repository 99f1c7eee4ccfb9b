using Keel.Events;

namespace Keel.Webhooks.Publishing;

/// <summary>A publish that passed the request's checks (its schema's included) and waits for its batch: what to write, and where its answer goes.</summary>
internal sealed class PendingPublish(string tenantId, string type, string payloadJson, string? idempotencyKey)
{
    readonly TaskCompletionSource<PublishOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string TenantId => tenantId;
    public string Type => type;
    public string PayloadJson => payloadJson;
    public string? IdempotencyKey => idempotencyKey;

    public Task<PublishOutcome> Outcome => _outcome.Task;

    public void Complete(PublishOutcome outcome) => _outcome.TrySetResult(outcome);

    public void Fail(Exception e) => _outcome.TrySetException(e);
}

/// <summary>How a publish ended: its event, newly written or the one that already holds its idempotency key.</summary>
internal sealed record PublishOutcome(OutboxEvent Event, bool Replayed)
{
    public static PublishOutcome Written(OutboxEvent e) => new(e, false);

    public static PublishOutcome Replay(OutboxEvent first) => new(first, true);
}
