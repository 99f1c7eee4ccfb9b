using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Keel.Limits;

/// <summary>
/// Token buckets in this process, exact under concurrency: each bucket has its own lock, so takes on one key are
/// serialised and takes on different keys never wait for each other.
/// </summary>
/// <remarks>
/// Memory stays bounded by the keys active within their time-to-full, not by every key ever seen: a bucket that is
/// full again is indistinguishable from one never seen, so a sweep every <c>sweepInterval</c> removes it. Sweeping on
/// a timer rather than on access keeps the cost off the request path; it walks the dictionary without locking it, and
/// takes a bucket's own lock only to remove it. Keys named by a caller who is not otherwise bounded belong to a
/// <see cref="BucketGroup"/>: past its cap a new key is refused rather than a partly drained bucket forgotten (which
/// would be an overshoot). Keys of verified API keys have no group; the keys bound them. Reports (cost 0) and costs
/// above the burst never add a key.
/// </remarks>
internal sealed class MemoryBucketStore : IBucketStore, IDisposable
{
    public static readonly TimeSpan DefaultSweepInterval = TimeSpan.FromSeconds(10);

    readonly ConcurrentDictionary<string, Entry> _buckets = new(StringComparer.Ordinal);
    // One small counter per group ever seen (a tenant), kept when it falls to 0: dropping it would race its next use.
    readonly ConcurrentDictionary<string, GroupCount> _groups = new(StringComparer.Ordinal);
    readonly TimeProvider _time;
    readonly ITimer _sweeper;

    public MemoryBucketStore(TimeProvider time, TimeSpan? sweepInterval = null)
    {
        _time = time;
        var interval = sweepInterval ?? DefaultSweepInterval;
        _sweeper = time.CreateTimer(static s => ((MemoryBucketStore)s!).Sweep(), this, interval, interval);
    }

    /// <summary>Buckets held now (tests and metrics).</summary>
    internal int Count => _buckets.Count;

    /// <summary>Buckets of <paramref name="group"/> held now (tests).</summary>
    internal int CountOf(string group) => _groups.TryGetValue(group, out var count) ? count.Held : 0;

    /// <summary>How long until the bucket is full, hence dropped at the next sweep; null when there is none (tests).</summary>
    internal TimeSpan? TimeToFull(string key) =>
        _buckets.TryGetValue(key, out var entry) ? _time.GetElapsedTime(_time.GetTimestamp(), Volatile.Read(ref entry.FullAt)) : null;

    public ValueTask<BucketDecision> TakeAsync(string key, BucketSpec spec, long cost, CancellationToken ct) =>
        ValueTask.FromResult(Take(key, spec, cost, group: null)!.Value);

    public ValueTask<BucketDecision?> TakeAsync(string key, BucketSpec spec, long cost, BucketGroup? group, CancellationToken ct) =>
        ValueTask.FromResult(Take(key, spec, cost, group));

    /// <summary>
    /// <see cref="TakeAsync(string, BucketSpec, long, BucketGroup?, CancellationToken)"/>, synchronously: null, changing
    /// nothing, when the key is new and the group already holds its cap of buckets.
    /// </summary>
    public BucketDecision? Take(string key, BucketSpec spec, long cost, BucketGroup? group)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        spec.ThrowIfInvalid();
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        var frequency = _time.TimestampFrequency;
        if (!_buckets.TryGetValue(key, out var entry) && (cost == 0 || cost > spec.Burst))
        {
            var now = _time.GetTimestamp();
            return TokenBucket.Full(spec, now).Take(spec, cost, now, frequency).Decision;
        }
        while (true)
        {
            if (entry is null && !TryAdd(key, spec, group, out entry))
            {
                return null;
            }
            lock (entry.Gate)
            {
                if (!entry.Removed)
                {
                    // Read inside the lock, so the stamps of one bucket's takes only go forward.
                    var (next, decision) = entry.Bucket.Take(spec, cost, _time.GetTimestamp(), frequency);
                    entry.Bucket = next;
                    Volatile.Write(ref entry.FullAt, next.FullAt(spec, frequency));
                    return decision;
                }
            }
            // The sweep removed this bucket while we waited for it: it was full, so a new one is the same bucket.
            entry = null;
        }
    }

    /// <summary>The key's bucket, a new full one if there is none and its group has room (a place is held before adding).</summary>
    bool TryAdd(string key, BucketSpec spec, BucketGroup? group, [NotNullWhen(true)] out Entry? entry)
    {
        if (_buckets.TryGetValue(key, out entry))
        {
            return true;
        }
        var count = group is { } g ? _groups.GetOrAdd(g.Name, static _ => new GroupCount()) : null;
        if (count is not null && !count.TryHold(group!.Value.Cap))
        {
            return false;
        }
        var fresh = new Entry(TokenBucket.Full(spec, _time.GetTimestamp()), count);
        entry = _buckets.GetOrAdd(key, fresh);
        if (entry != fresh)
        {
            count?.Release(); // another take added the key first
        }
        return true;
    }

    /// <summary>Removes every bucket that is full by now.</summary>
    internal void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var (key, entry) in _buckets)
        {
            if (Volatile.Read(ref entry.FullAt) > now)
            {
                continue;
            }
            lock (entry.Gate)
            {
                // A take may have come in since the read above. Marking the entry under its lock is what stops a take
                // that already holds it from taking from a bucket no longer in the dictionary (a lost take, then a
                // fresh full bucket: an overshoot).
                if (entry.FullAt > now)
                {
                    continue;
                }
                entry.Removed = true;
            }
            if (_buckets.TryRemove(new KeyValuePair<string, Entry>(key, entry)))
            {
                entry.Group?.Release();
            }
        }
    }

    public void Dispose() => _sweeper.Dispose();

    sealed class Entry(TokenBucket bucket, GroupCount? group)
    {
        public readonly Lock Gate = new();
        public readonly GroupCount? Group = group;
        public TokenBucket Bucket = bucket;
        public long FullAt = bucket.Stamp;
        public bool Removed;
    }

    /// <summary>Buckets a group holds; a place is taken before a bucket is added, so racing adds cannot pass the cap.</summary>
    sealed class GroupCount
    {
        int _held;

        public int Held => Volatile.Read(ref _held);

        public bool TryHold(int cap)
        {
            while (true)
            {
                var held = Volatile.Read(ref _held);
                if (held >= cap)
                {
                    return false;
                }
                if (Interlocked.CompareExchange(ref _held, held + 1, held) == held)
                {
                    return true;
                }
            }
        }

        public void Release() => Interlocked.Decrement(ref _held);
    }
}
