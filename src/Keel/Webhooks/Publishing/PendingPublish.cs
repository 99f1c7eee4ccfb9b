using System.Text.Json;
using Keel.Events;

namespace Keel.Webhooks.Publishing;

/// <summary>A publish that passed the request's own checks and waits for its batch: what to write, and where its answer goes.</summary>
internal sealed class PendingPublish(string tenantId, string type, JsonElement payload, string payloadJson, string? idempotencyKey)
{
    readonly TaskCompletionSource<PublishOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string TenantId => tenantId;
    public string Type => type;
    public JsonElement Payload => payload;
    public string PayloadJson => payloadJson;
    public string? IdempotencyKey => idempotencyKey;

    public Task<PublishOutcome> Outcome => _outcome.Task;

    public void Complete(PublishOutcome outcome) => _outcome.TrySetResult(outcome);

    public void Fail(Exception e) => _outcome.TrySetException(e);
}

/// <summary>
/// How a publish ended: its event (newly written, or the one that already holds its idempotency key), the
/// payload's schema violations, or withheld.
/// </summary>
internal sealed record PublishOutcome(OutboxEvent? Event, bool Replayed, IReadOnlyList<string> Violations)
{
    public static PublishOutcome Written(OutboxEvent e) => new(e, false, []);

    public static PublishOutcome Replay(OutboxEvent first) => new(first, true, []);

    public static PublishOutcome Invalid(IReadOnlyList<string> violations) => new(null, false, violations);

    /// <summary>Not written because another publish of its all-or-nothing batch was invalid.</summary>
    public static readonly PublishOutcome Withheld = new(null, false, []);
}
