using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Keel.Limits;

/// <summary>
/// Quota counters in this process. A consume is a compare-and-swap loop on the counter, so the check and the add are
/// one step and concurrent consumers never pass the limit. A sweep every <c>sweepInterval</c> drops the counters whose
/// period ended more than <c>retention</c> ago (by <see cref="TimeProvider.GetUtcNow"/>); a counter read after that is
/// dropped then.
/// </summary>
internal sealed class MemoryQuotaStore : IQuotaStore, IDisposable
{
    public static readonly TimeSpan DefaultSweepInterval = TimeSpan.FromMinutes(1);

    // Set by the sweep in place of the count: a consumer that finds it retries on the dictionary, so no consume can
    // land on a counter that is no longer there.
    const long Removed = long.MinValue;

    readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    readonly TimeProvider _time;
    readonly TimeSpan _retention;
    readonly ITimer _sweeper;

    public MemoryQuotaStore(TimeProvider time, TimeSpan? retention = null, TimeSpan? sweepInterval = null)
    {
        _time = time;
        _retention = retention ?? QuotaRetention.Default;
        var interval = sweepInterval ?? DefaultSweepInterval;
        _sweeper = time.CreateTimer(static s => ((MemoryQuotaStore)s!).Sweep(), this, interval, interval);
    }

    /// <summary>Counters held now (tests and metrics).</summary>
    internal int Count => _counters.Count;

    /// <summary>When the counter of <paramref name="key"/> goes; null when there is none (tests).</summary>
    internal DateTimeOffset? ExpiresAt(string key) => TryGet(key, out var counter) ? counter.ExpiresAt : null;

    public ValueTask<QuotaDecision> ConsumeAsync(string key, long limit, long cost, DateTimeOffset periodEnd, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        while (true)
        {
            // Reports and refusals never add a counter.
            if (!TryGet(key, out var counter))
            {
                if (cost == 0 || cost > limit)
                {
                    return ValueTask.FromResult(QuotaDecision.Of(cost == 0, 0, limit));
                }
                counter = _counters.GetOrAdd(key, static (_, expires) => new Counter(expires), periodEnd + _retention);
            }
            var used = Volatile.Read(ref counter.Used);
            while (used != Removed)
            {
                // cost > limit - used rather than used + cost > limit: no overflow near long.MaxValue.
                if (cost == 0 || cost > limit - used)
                {
                    return ValueTask.FromResult(QuotaDecision.Of(cost == 0, used, limit));
                }
                var seen = Interlocked.CompareExchange(ref counter.Used, used + cost, used);
                if (seen == used)
                {
                    return ValueTask.FromResult(QuotaDecision.Of(true, used + cost, limit));
                }
                used = seen;
            }
        }
    }

    public ValueTask<long> UsedAsync(string key, DateTimeOffset periodEnd, CancellationToken ct) =>
        ValueTask.FromResult(TryGet(key, out var c) && Volatile.Read(ref c.Used) is var used and not Removed ? used : 0);

    /// <summary>Removes the counters past their period and retention.</summary>
    internal void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, counter) in _counters)
        {
            if (counter.ExpiresAt <= now)
            {
                Remove(key, counter);
            }
        }
    }

    /// <summary>
    /// The live counter of <paramref name="key"/>. One past its expiry is removed here rather than used, so it is gone
    /// at its expiry, as in Redis, not at the next sweep.
    /// </summary>
    bool TryGet(string key, [NotNullWhen(true)] out Counter? counter)
    {
        if (_counters.TryGetValue(key, out counter))
        {
            if (counter.ExpiresAt > _time.GetUtcNow())
            {
                return true;
            }
            Remove(key, counter);
        }
        counter = null;
        return false;
    }

    void Remove(string key, Counter counter)
    {
        Interlocked.Exchange(ref counter.Used, Removed);
        _counters.TryRemove(new KeyValuePair<string, Counter>(key, counter));
    }

    public void Dispose() => _sweeper.Dispose();

    sealed class Counter(DateTimeOffset expiresAt)
    {
        public readonly DateTimeOffset ExpiresAt = expiresAt;
        public long Used;
    }
}
