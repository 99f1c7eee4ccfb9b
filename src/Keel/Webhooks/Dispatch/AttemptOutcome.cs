namespace Keel.Webhooks;

/// <summary>What became of one claimed delivery, to be written by <see cref="DeliveryRecorder"/>.</summary>
internal sealed record AttemptOutcome(Delivery Delivery, DeliveryAttempt? Attempt, OutcomeKind Kind, DateTime? NextAttemptAt)
{
    public string EndpointId => Delivery.EndpointId;
}

internal enum OutcomeKind
{
    /// <summary>2xx: done.</summary>
    Succeeded,
    /// <summary>Failed; tried again at <see cref="AttemptOutcome.NextAttemptAt"/>.</summary>
    Retry,
    /// <summary>Failed for the last time.</summary>
    Dead,
    /// <summary>410 Gone: the delivery is dead and the endpoint disabled.</summary>
    Gone,
    /// <summary>Not sent (over the endpoint's rate, or the endpoint was disabled meanwhile): due again later, no attempt counted.</summary>
    Deferred,
}
