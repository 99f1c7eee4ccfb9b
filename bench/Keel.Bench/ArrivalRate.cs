using System.Diagnostics;

namespace Keel.Bench;

/// <summary>
/// How fast requests arrived: the count over the span from the first arrival to the last, and, as the
/// sustained rate, the rate between the 10th and the 90th percentile arrival (the middle 80%), which
/// leaves out the ramp-up of the first and the stragglers of the last.
/// </summary>
public readonly record struct ArrivalRate(long Count, TimeSpan Span, double PerSecond, double MiddlePerSecond)
{
    /// <param name="timestamps"><see cref="Stopwatch"/> timestamps, sorted.</param>
    public static ArrivalRate Of(IReadOnlyList<long> timestamps)
    {
        var n = timestamps.Count;
        if (n < 2)
        {
            return new ArrivalRate(n, TimeSpan.Zero, 0, 0);
        }
        var span = Stopwatch.GetElapsedTime(timestamps[0], timestamps[n - 1]);
        var low = (int)(n * 0.1);
        var high = Math.Max(low + 1, (int)Math.Ceiling(n * 0.9) - 1);
        var middle = Stopwatch.GetElapsedTime(timestamps[low], timestamps[high]);
        return new ArrivalRate(n, span, PerSecondOf(n - 1, span), PerSecondOf(high - low, middle));
    }

    /// <summary>Arrivals between two timestamps per second of that window.</summary>
    public static double Within(IReadOnlyList<long> sorted, long from, long to)
    {
        if (to <= from)
        {
            return 0;
        }
        var count = LowerBound(sorted, to) - LowerBound(sorted, from);
        return PerSecondOf(count, Stopwatch.GetElapsedTime(from, to));
    }

    static double PerSecondOf(long count, TimeSpan span) => span > TimeSpan.Zero ? count / span.TotalSeconds : 0;

    static int LowerBound(IReadOnlyList<long> sorted, long value)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
