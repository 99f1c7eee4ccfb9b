using Keel.Events;

namespace Keel.Webhooks.Publishing;

/// <summary>
/// A publish that passed the request's checks and waits for its batch: what to write, the schema its payload was
/// checked against (null: none), and where its answer goes.
/// </summary>
internal sealed class PendingPublish(string tenantId, string type, string payloadJson, string? idempotencyKey, string? checkedSchema = null)
{
    readonly TaskCompletionSource<PublishOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string TenantId => tenantId;
    public string Type => type;
    public string PayloadJson => payloadJson;
    public string? IdempotencyKey => idempotencyKey;
    public string? CheckedSchema => checkedSchema;

    public Task<PublishOutcome> Outcome => _outcome.Task;

    /// <summary>The same publish, its payload now checked against <paramref name="schema"/>.</summary>
    public PendingPublish CheckedAgainst(string? schema) => new(tenantId, type, payloadJson, idempotencyKey, schema);

    public void Complete(PublishOutcome outcome) => _outcome.TrySetResult(outcome);

    public void Fail(Exception e) => _outcome.TrySetException(e);
}

/// <summary>
/// How a publish ended: its event, newly written or the one that already holds its idempotency key; or deferred
/// (<see cref="Event"/> null): its type has a schema (<see cref="Schema"/>) its payload was not checked against, so
/// nothing was written for it and its request checks it and publishes again.
/// </summary>
internal sealed record PublishOutcome(OutboxEvent? Event, bool Replayed, string? Schema = null)
{
    public bool Deferred => Event is null;

    public static PublishOutcome Written(OutboxEvent e) => new(e, false);

    public static PublishOutcome Replay(OutboxEvent first) => new(first, true);

    public static PublishOutcome Defer(string? schema) => new(null, false, schema);
}
