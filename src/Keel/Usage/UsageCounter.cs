using System.Collections.Concurrent;
using Keel.Keys;
using Microsoft.Extensions.Options;

namespace Keel.Usage;

/// <summary>
/// Counts verifications in this node's memory, per (tenant, key, minute) and, for failures, per
/// (tenant, minute, code, prefix). The hot path is one dictionary lookup and one interlocked increment;
/// nothing is allocated once a counter exists. <see cref="UsageFlusher"/> writes the counters in batches.
/// </summary>
public sealed class UsageCounter(TimeProvider time, IOptions<UsageOptions> options) : IVerificationCounter
{
    /// <summary>Prefix of a tried key that is not in Keel's format (nothing of it is kept).</summary>
    public const string MalformedPrefix = "(malformed)";
    /// <summary>Prefixes beyond <see cref="MaxPrefixesPerTenantMinute"/> in a minute are counted under this one.</summary>
    public const string OtherPrefix = "(other)";
    /// <summary>Bounds what a flood of made-up prefixes can cost in memory and rows.</summary>
    public const int MaxPrefixesPerTenantMinute = 100;

    /// <summary>
    /// A minute's counters are dropped only this long after it ended (and once flushed), so a verify that read the
    /// clock just before the minute ended has long since incremented its counter.
    /// </summary>
    static readonly TimeSpan ClosedAfter = TimeSpan.FromSeconds(5);

    readonly ConcurrentDictionary<KeyMinute, KeyCounts> _keys = new();
    readonly ConcurrentDictionary<FailureMinute, FailureTally> _failures = new();
    readonly ConcurrentDictionary<TenantMinute, PrefixBudget> _prefixes = new();
    readonly int _maxCounters = options.Value.MaxCounters;
    /// <summary>Counters held (both dictionaries): they pile up only while flushes fail, and are capped.</summary>
    long _counters;
    long _dropped;

    internal readonly record struct KeyMinute(string TenantId, string KeyId, long Ts);

    internal readonly record struct FailureMinute(string TenantId, long Ts, string Code, string Prefix);

    readonly record struct TenantMinute(string TenantId, long Ts);

    /// <summary>Counts by outcome, indexed by <see cref="UsageOutcomes"/>.</summary>
    internal sealed class KeyCounts
    {
        public readonly long[] Values = new long[UsageOutcomes.KeyColumns];
        /// <summary>The total as of the last committed flush.</summary>
        public long Flushed;

        public long Total()
        {
            long total = 0;
            for (var i = 0; i < Values.Length; i++)
            {
                total += Interlocked.Read(ref Values[i]);
            }
            return total;
        }
    }

    internal sealed class FailureTally
    {
        public long Value;
        public long Flushed;
    }

    sealed class PrefixBudget
    {
        public int Used;
    }

    /// <summary>A verification of a known key of the tenant, whatever its outcome.</summary>
    public void Verified(string tenantId, string keyId, string code, DateTimeOffset now)
    {
        var column = UsageOutcomes.ColumnOf(code);
        var ts = MinuteOf(now);
        if (Counter(_keys, new KeyMinute(tenantId, keyId, ts)) is not { } counts)
        {
            return;
        }
        Interlocked.Increment(ref counts.Values[column]);
        if (column != UsageOutcomes.Valid)
        {
            Fail(new FailureMinute(tenantId, ts, code, ""));
        }
    }

    /// <summary>
    /// A verification of a key the tenant does not have. Only the prefix of the presented key is kept, and only
    /// when the key has Keel's shape (prefix, '_', the random part), so no part of a secret is ever stored.
    /// </summary>
    public void NotFound(string tenantId, string presentedKey, DateTimeOffset now)
    {
        var ts = MinuteOf(now);
        // The one allocation on this path (the prefix string) is on a failure, never on a valid verify.
        var prefix = KeyIssuer.PrefixOf(presentedKey) ?? MalformedPrefix;
        var entry = new FailureMinute(tenantId, ts, VerifyCodes.NotFound, prefix);
        if (!_failures.ContainsKey(entry))
        {
            var budget = _prefixes.GetOrAdd(new TenantMinute(tenantId, ts), static _ => new PrefixBudget());
            if (Interlocked.Increment(ref budget.Used) > MaxPrefixesPerTenantMinute)
            {
                entry = entry with { Prefix = OtherPrefix };
            }
        }
        Fail(entry);
    }

    void Fail(FailureMinute entry)
    {
        if (Counter(_failures, entry) is { } tally)
        {
            Interlocked.Increment(ref tally.Value);
        }
    }

    /// <summary>
    /// The counter of <paramref name="key"/>, made if new, or null when <c>Keys:Usage:MaxCounters</c> are held: that
    /// happens only while flushes fail (the database is away), and a node that stops counting beats one that runs out
    /// of memory and stops verifying. What is not counted is reported at the next flush.
    /// </summary>
    T? Counter<TKey, T>(ConcurrentDictionary<TKey, T> counters, TKey key) where TKey : notnull where T : class, new()
    {
        while (true)
        {
            if (counters.TryGetValue(key, out var existing))
            {
                return existing;
            }
            if (Interlocked.Increment(ref _counters) > _maxCounters)
            {
                Interlocked.Decrement(ref _counters);
                Interlocked.Increment(ref _dropped);
                return null;
            }
            var made = new T();
            if (counters.TryAdd(key, made))
            {
                return made;
            }
            Interlocked.Decrement(ref _counters); // another verify made it first
        }
    }

    /// <summary>Verifications not counted since the last call, because the counters were full.</summary>
    internal long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    static long MinuteOf(DateTimeOffset now) => Granularity.Minute.Floor(now.ToUnixTimeSeconds());

    /// <summary>The counters that moved since their last committed flush, with their values now.</summary>
    internal UsageBatch Collect()
    {
        var keys = new List<UsageBatch.KeyRow>();
        foreach (var (minute, counts) in _keys)
        {
            var values = new long[UsageOutcomes.KeyColumns];
            long total = 0;
            for (var i = 0; i < values.Length; i++)
            {
                total += values[i] = Interlocked.Read(ref counts.Values[i]);
            }
            if (total != Interlocked.Read(ref counts.Flushed))
            {
                keys.Add(new(minute, values, total, counts));
            }
        }
        var failures = new List<UsageBatch.FailureRow>();
        foreach (var (minute, tally) in _failures)
        {
            var value = Interlocked.Read(ref tally.Value);
            if (value != Interlocked.Read(ref tally.Flushed))
            {
                failures.Add(new(minute, value, tally));
            }
        }
        return new UsageBatch(keys, failures);
    }

    /// <summary>
    /// Records that <paramref name="batch"/> is committed, then drops the counters of minutes that ended and whose
    /// last count is in the database. A counter that moved after it was collected stays for the next flush.
    /// </summary>
    internal void Committed(UsageBatch batch)
    {
        foreach (var row in batch.Keys)
        {
            Interlocked.Exchange(ref row.Counts.Flushed, row.Total);
        }
        foreach (var row in batch.Failures)
        {
            Interlocked.Exchange(ref row.Tally.Flushed, row.Value);
        }
        var closedBefore = Granularity.Minute.Floor((time.GetUtcNow() - ClosedAfter).ToUnixTimeSeconds());
        foreach (var (minute, counts) in _keys)
        {
            if (minute.Ts < closedBefore && counts.Total() == Interlocked.Read(ref counts.Flushed))
            {
                if (_keys.TryRemove(new(minute, counts)))
                {
                    Interlocked.Decrement(ref _counters);
                }
            }
        }
        foreach (var (minute, tally) in _failures)
        {
            if (minute.Ts < closedBefore && Interlocked.Read(ref tally.Value) == Interlocked.Read(ref tally.Flushed))
            {
                if (_failures.TryRemove(new(minute, tally)))
                {
                    Interlocked.Decrement(ref _counters);
                }
            }
        }
        foreach (var (minute, budget) in _prefixes)
        {
            if (minute.Ts < closedBefore)
            {
                _prefixes.TryRemove(new(minute, budget));
            }
        }
    }
}

/// <summary>What one flush writes: absolute counts per node, so writing it twice changes nothing.</summary>
internal sealed record UsageBatch(IReadOnlyList<UsageBatch.KeyRow> Keys, IReadOnlyList<UsageBatch.FailureRow> Failures)
{
    public sealed record KeyRow(UsageCounter.KeyMinute Minute, long[] Values, long Total, UsageCounter.KeyCounts Counts);

    public sealed record FailureRow(UsageCounter.FailureMinute Minute, long Value, UsageCounter.FailureTally Tally);

    public bool IsEmpty => Keys.Count == 0 && Failures.Count == 0;
}
