using System.Collections.Concurrent;

namespace Keel.Limits;

/// <summary>
/// Token buckets in this process, exact under concurrency: each bucket has its own lock, so takes on one key are
/// serialised and takes on different keys never wait for each other.
/// </summary>
/// <remarks>
/// Memory stays bounded by the keys active within their time-to-full, not by every key ever seen: a bucket that is
/// full again is indistinguishable from one never seen, so a sweep every <c>sweepInterval</c> removes it. Sweeping on
/// a timer rather than on access keeps the cost off the request path; it walks the dictionary without locking it, and
/// takes a bucket's own lock only to remove it. There is no cap on the number of keys: at a cap the store would have
/// to refuse new keys or forget a partly drained bucket (an overshoot); the caller bounds the keys instead (keys are
/// verified before they are limited). Reports (cost 0) and costs above the burst never add a key.
/// </remarks>
internal sealed class MemoryBucketStore : IBucketStore, IDisposable
{
    public static readonly TimeSpan DefaultSweepInterval = TimeSpan.FromSeconds(10);

    readonly ConcurrentDictionary<string, Entry> _buckets = new(StringComparer.Ordinal);
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

    /// <summary>How long until the bucket is full, hence dropped at the next sweep; null when there is none (tests).</summary>
    internal TimeSpan? TimeToFull(string key) =>
        _buckets.TryGetValue(key, out var entry) ? _time.GetElapsedTime(_time.GetTimestamp(), Volatile.Read(ref entry.FullAt)) : null;

    public ValueTask<BucketDecision> TakeAsync(string key, BucketSpec spec, long cost, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        spec.ThrowIfInvalid();
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        var frequency = _time.TimestampFrequency;
        if (!_buckets.TryGetValue(key, out var entry) && (cost == 0 || cost > spec.Burst))
        {
            var now = _time.GetTimestamp();
            return ValueTask.FromResult(TokenBucket.Full(spec, now).Take(spec, cost, now, frequency).Decision);
        }
        while (true)
        {
            entry ??= _buckets.GetOrAdd(key, static (_, a) => new Entry(TokenBucket.Full(a.Spec, a.Now)), (Spec: spec, Now: _time.GetTimestamp()));
            lock (entry.Gate)
            {
                if (!entry.Removed)
                {
                    // Read inside the lock, so the stamps of one bucket's takes only go forward.
                    var (next, decision) = entry.Bucket.Take(spec, cost, _time.GetTimestamp(), frequency);
                    entry.Bucket = next;
                    Volatile.Write(ref entry.FullAt, next.FullAt(spec, frequency));
                    return ValueTask.FromResult(decision);
                }
            }
            // The sweep removed this bucket while we waited for it: it was full, so a new one is the same bucket.
            entry = null;
        }
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
            _buckets.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }
    }

    public void Dispose() => _sweeper.Dispose();

    sealed class Entry(TokenBucket bucket)
    {
        public readonly Lock Gate = new();
        public TokenBucket Bucket = bucket;
        public long FullAt = bucket.Stamp;
        public bool Removed;
    }
}
