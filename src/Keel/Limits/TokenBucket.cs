namespace Keel.Limits;

/// <summary>
/// A token bucket's state and arithmetic: <paramref name="Tokens"/> held at time <paramref name="Stamp"/> (in ticks of a
/// clock that runs at <c>ticksPerSecond</c>); the tokens at any later time follow from the spec, so nothing has to run
/// while a bucket is idle. The Redis script (<see cref="RedisBucketStore"/>) does the same sums in microseconds.
/// </summary>
internal readonly record struct TokenBucket(double Tokens, long Stamp)
{
    public static TokenBucket Full(BucketSpec spec, long now) => new(spec.Burst, now);

    /// <summary>Takes <paramref name="cost"/> if the bucket holds it at <paramref name="now"/>; returns the new state and the decision.</summary>
    public (TokenBucket Next, BucketDecision Decision) Take(BucketSpec spec, long cost, long now, long ticksPerSecond)
    {
        // A clock that steps back (Redis's wall clock; two threads' reads) never refills and never moves the stamp back,
        // which would credit the same interval twice.
        var stamp = Math.Max(Stamp, now);
        var tokens = Math.Min(spec.Burst, Tokens + ((stamp - Stamp) * spec.RequestsPerSecond / ticksPerSecond));
        if (cost > spec.Burst)
        {
            return (this, Decide(spec, allowed: false, tokens, TimeSpan.MaxValue));
        }
        if (tokens >= cost)
        {
            // A cost of 0 leaves the state as it was: reporting must not be a write.
            var next = cost == 0 ? this : new TokenBucket(tokens - cost, stamp);
            return (next, Decide(spec, allowed: true, tokens - cost, TimeSpan.Zero));
        }
        return (this, Decide(spec, allowed: false, tokens, Duration(cost - tokens, spec.RequestsPerSecond)));
    }

    /// <summary>When, in ticks, this bucket is full again: from then on it is the same as a bucket never seen.</summary>
    public long FullAt(BucketSpec spec, long ticksPerSecond)
    {
        var ticks = Math.Max(0, Math.Ceiling((spec.Burst - Tokens) * ticksPerSecond / spec.RequestsPerSecond));
        // Stamps (ticks since boot, or microseconds since 1970) are far below long.MaxValue / 2, so the sum cannot overflow.
        return ticks > long.MaxValue / 2 ? long.MaxValue : Stamp + (long)ticks;
    }

    static BucketDecision Decide(BucketSpec spec, bool allowed, double tokens, TimeSpan retryAfter) =>
        new(allowed, spec.Burst, (long)Math.Floor(tokens), retryAfter, Duration(spec.Burst - tokens, spec.RequestsPerSecond));

    /// <summary>
    /// The time <paramref name="rate"/> takes to add <paramref name="tokens"/>, rounded up to the microsecond (as the
    /// Redis script does), so that a caller who waits exactly this long finds the tokens there.
    /// </summary>
    internal static TimeSpan Duration(double tokens, double rate) => Microseconds(Math.Ceiling(tokens * 1e6 / rate));

    internal static TimeSpan Microseconds(double us) =>
        us >= TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMicrosecond ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)Math.Max(0, us) * TimeSpan.TicksPerMicrosecond);
}
