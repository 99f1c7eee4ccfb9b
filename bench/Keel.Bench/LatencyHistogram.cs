using System.Diagnostics;
using System.Numerics;

namespace Keel.Bench;

/// <summary>
/// Latencies in nanoseconds in log-linear buckets (128 per power of two above 256 ns, so a reported
/// percentile is within 0.8% of the true value); fixed memory whatever the request count, safe to
/// record into from several threads.
/// </summary>
public sealed class LatencyHistogram
{
    const int SubBits = 7;
    const int Half = 1 << SubBits;
    static readonly double NanosPerTick = 1_000_000_000.0 / Stopwatch.Frequency;
    readonly long[] _counts = new long[64 * Half];
    long _count;
    long _max;

    public long Count => Interlocked.Read(ref _count);

    public TimeSpan Max => FromNanos(Interlocked.Read(ref _max));

    /// <summary>Records the time between two <see cref="Stopwatch.GetTimestamp"/> values.</summary>
    public void RecordTicks(long start, long end) => Record((long)((end - start) * NanosPerTick));

    public void Record(long nanos)
    {
        nanos = Math.Max(0, nanos);
        Interlocked.Increment(ref _counts[IndexOf(nanos)]);
        Interlocked.Increment(ref _count);
        var max = Interlocked.Read(ref _max);
        while (nanos > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, nanos, max);
            if (seen == max)
            {
                break;
            }
            max = seen;
        }
    }

    /// <summary>The smallest recorded value that <paramref name="percent"/>% of values do not exceed (bucket upper bound).</summary>
    public TimeSpan Percentile(double percent)
    {
        var count = Count;
        if (count == 0)
        {
            return TimeSpan.Zero;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(percent / 100 * count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return FromNanos(Math.Min(UpperBound(i), Interlocked.Read(ref _max)));
            }
        }
        return Max;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
        _count += other._count;
        _max = Math.Max(_max, other._max);
    }

    static int IndexOf(long v)
    {
        if (v < 2 * Half)
        {
            return (int)v;
        }
        var shift = 63 - BitOperations.LeadingZeroCount((ulong)v) - SubBits;
        return (shift * Half) + (int)(v >> shift);
    }

    static long UpperBound(int index)
    {
        if (index < 2 * Half)
        {
            return index;
        }
        var shift = (index / Half) - 1;
        var sub = (index % Half) + Half;
        return ((long)(sub + 1) << shift) - 1;
    }

    static TimeSpan FromNanos(long nanos) => TimeSpan.FromTicks(nanos / 100);
}
