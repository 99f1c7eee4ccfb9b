namespace Keel.Limits;

/// <summary>
/// The outcome of one take from a token bucket.
/// </summary>
/// <param name="Allowed">Whether the cost was taken. A cost of 0 takes nothing and is always allowed.</param>
/// <param name="Limit">The bucket's capacity (its burst).</param>
/// <param name="Remaining">Whole tokens left after this take.</param>
/// <param name="RetryAfter">
/// Zero when allowed; otherwise how long until the bucket holds the cost. A cost above the burst can
/// never be taken: then it is <see cref="TimeSpan.MaxValue"/> (check <see cref="Never"/>).
/// </param>
/// <param name="ResetAfter">How long until the bucket is full again (the <c>t</c> of the <c>RateLimit</c> header, <c>reset_seconds</c>).</param>
public readonly record struct BucketDecision(bool Allowed, long Limit, long Remaining, TimeSpan RetryAfter, TimeSpan ResetAfter)
{
    /// <summary>True when this request can never be allowed: its cost is above the bucket's burst.</summary>
    public bool Never => RetryAfter == TimeSpan.MaxValue;
}
