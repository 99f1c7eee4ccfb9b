using System.Diagnostics.CodeAnalysis;

namespace Keel.Webhooks;

/// <summary>When a failed delivery is tried next, or that it is dead.</summary>
internal sealed class RetryPolicy(WebhooksOptions options)
{
    /// <summary>
    /// The time of the next attempt after the <paramref name="failures"/>-th failure of this round, or
    /// null when the schedule is used up. A <c>Retry-After</c> on 429/503 is honoured within
    /// [1 s, Webhooks:MaxRetryAfter] instead of the schedule's delay, but does not add attempts.
    /// </summary>
    [SuppressMessage("Security", "CA5394", Justification = "Jitter spreads retries over time; it guards nothing, and tests seed it.")]
    public DateTime? NextAttempt(int failures, DateTime now, TimeSpan? retryAfter, Random random)
    {
        var schedule = options.EffectiveRetrySchedule;
        if (failures > schedule.Count)
        {
            return null;
        }
        if (retryAfter is { } asked)
        {
            return now + TimeSpan.FromTicks(Math.Clamp(asked.Ticks, TimeSpan.TicksPerSecond, options.MaxRetryAfter.Ticks));
        }
        var delay = schedule[failures - 1];
        var jitter = 1 + options.RetryJitter * (2 * random.NextDouble() - 1);
        return now + TimeSpan.FromTicks((long)(delay.Ticks * jitter));
    }

    /// <summary>A <c>Retry-After</c> header as seconds or an HTTP date, relative to now.</summary>
    public static TimeSpan? ParseRetryAfter(System.Net.Http.Headers.RetryConditionHeaderValue? header, DateTime now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date.UtcDateTime - now,
        _ => null,
    };
}
