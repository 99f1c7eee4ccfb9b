namespace Keel.Limits;

/// <summary>
/// Usage counters with a hard cap, one per key and period: the key names the period (<c>tenant:ten_x:2026-11</c>), so a
/// new period is a new counter, and a counter expires some time after its <c>periodEnd</c>.
/// </summary>
internal interface IQuotaStore
{
    /// <summary>
    /// Adds <paramref name="cost"/> to the counter only if the sum stays within <paramref name="limit"/>, atomically:
    /// concurrent consumers never push it past the limit. Otherwise refuses and changes nothing. A cost of 0 reports.
    /// </summary>
    ValueTask<QuotaDecision> ConsumeAsync(string key, long limit, long cost, DateTimeOffset periodEnd, CancellationToken ct);

    /// <summary>The counter's value; 0 for a key never consumed or expired.</summary>
    ValueTask<long> UsedAsync(string key, DateTimeOffset periodEnd, CancellationToken ct);
}
