using System.Runtime.CompilerServices;

namespace Keel.Usage.Anomalies;

/// <summary>
/// One series under <see cref="RobustDetector"/>, a seasonal exponential smoother with robust statistics:
/// <list type="bullet">
/// <item>the baseline is a level plus an offset for the hour of day (additive Holt-Winters with 24 slots keyed from the
/// timestamp, so it works for minute and hourly data alike); residuals are clipped at 3 deviations before they teach
/// anything, so one outlier moves neither the baseline nor the scale much;</item>
/// <item>the surprise is the distance from the baseline in robust standard deviations (1.25 × the exponentially
/// weighted mean absolute deviation, never below 1% of the range seen);</item>
/// <item>the score compares the surprise with the largest one remembered (fading over <c>SurpriseMemory</c>): a spiky
/// series' usual spikes and a calm series' first bump land on one scale, and an alarm that persists, or repeats at the
/// same size, scores 0 after its first interval: NAB charges every false alarm and counts one detection per window;</item>
/// <item>a value beyond the whole range ever seen scores by how far beyond it is.</item>
/// </list>
/// State: about 20 numbers and 24 slots, some 300 bytes, whatever the number of values seen.
/// </summary>
internal sealed class RobustSeries(AnomaliesOptions options) : IAnomalySeries
{
    /// <summary>Mean absolute deviation to standard deviation, for normal noise.</summary>
    const double SigmaPerDeviation = 1.2533;

    /// <summary>Residuals teach at most this many deviations (Huber-style clipping).</summary>
    const double Clip = 3;

    /// <summary>The scale needs a few values before anything can be judged against it.</summary>
    const int MinimumValues = 12;

    double _level;
    double _deviation;
    HourOffsets _hours;
    long _count;
    DateTimeOffset _first;
    DateTimeOffset _last;
    double _interval;
    double _min = double.PositiveInfinity;
    double _max = double.NegativeInfinity;
    double _largestSurprise;

    public AnomalyScore Observe(DateTimeOffset timestamp, double value)
    {
        var dt = Elapsed(timestamp);
        ref var hour = ref _hours[timestamp.UtcDateTime.Hour];
        // Never below 1% of the range seen, so a series that sat still does not alarm at its first wiggle.
        var floor = Math.Max(_count > 0 ? 0.01 * (_max - _min) : 0, Math.Max(1e-9 * Math.Abs(_level), 1e-12));
        var sigma = Math.Max(_deviation * SigmaPerDeviation, floor);
        // An hour's offset is used once it has seen two hours' worth of values, i.e. at least two days.
        var expected = _level + (hour.Count * _interval >= 7200 ? hour.Offset : 0);

        var score = AnomalyScore.WarmingUp(value);
        if (_count >= MinimumValues && timestamp - _first >= options.WarmUp)
        {
            var (low, high) = (expected - (options.NormalDeviations * sigma), expected + (options.NormalDeviations * sigma));
            score = new AnomalyScore(Score(Math.Abs(value - expected) / sigma, value, dt), value, expected, low, high);
        }
        Learn(value, expected, dt, floor, ref hour);
        return score;
    }

    double Score(double surprise, double value, double dt)
    {
        var remembered = Math.Max(_largestSurprise * Math.Exp(-dt / options.SurpriseMemory.TotalSeconds), options.NormalDeviations);
        _largestSurprise = Math.Max(remembered, surprise);
        var byRatio = Saturate((surprise / remembered) - 1, options.HalfScoreRatio - 1);
        // A new extreme counts only when it is also outside the normal band: after a level shift, ordinary noise
        // around the new level sets records that are no news.
        var range = _max - _min;
        var excess = range > 0 && surprise > options.NormalDeviations ? Math.Max(value - _max, _min - value) / range : 0;
        return Math.Max(byRatio, Saturate(excess, options.HalfScoreRangeExcess));
    }

    /// <summary>0 at or below 0, 0.5 at <paramref name="half"/>, approaching 1 smoothly.</summary>
    static double Saturate(double x, double half) => x <= 0 ? 0 : x * x / ((x * x) + (half * half));

    void Learn(double value, double expected, double dt, double floor, ref HourOffset hour)
    {
        _min = Math.Min(_min, value);
        _max = Math.Max(_max, value);
        if (++_count == 1)
        {
            _level = value;
            return;
        }
        // Until a memory is full its weight is 1/n, the plain mean of what was seen, so the first value does not linger.
        var n = (double)_count;
        var limit = Clip * Math.Max(_deviation, floor);
        var residual = value - expected;
        // The first values teach the scale; clipping them against a scale not yet learned would freeze it near 0.
        var clipped = _count <= 3 ? residual : Math.Clamp(residual, -limit, limit);
        _level += Math.Max(Weight(dt, options.LevelMemory), 1 / n) * clipped;
        _deviation += Math.Max(Weight(dt, options.ScaleMemory), 1 / n) * (Math.Abs(clipped) - _deviation);
        hour.Count = Math.Min(hour.Count + 1, int.MaxValue - 1);
        // An hour is visited for 1/24 of the time, so its memory in visiting time is a 24th of SeasonMemory.
        var seasonal = Math.Clamp(value - _level - hour.Offset, -limit, limit);
        hour.Offset += (float)(Math.Max(Weight(dt, options.SeasonMemory / 24), 1.0 / hour.Count) * seasonal);
    }

    /// <summary>Seconds since the previous value; a repeated or out-of-order timestamp counts as a typical interval.</summary>
    double Elapsed(DateTimeOffset timestamp)
    {
        if (_count == 0)
        {
            (_first, _last) = (timestamp, timestamp);
            return 0;
        }
        var seconds = (timestamp - _last).TotalSeconds;
        if (seconds <= 0)
        {
            return _interval;
        }
        _last = timestamp;
        _interval = _interval == 0 ? seconds : _interval + (0.01 * (seconds - _interval));
        return seconds;
    }

    static double Weight(double dt, TimeSpan memory) => 1 - Math.Exp(-dt / memory.TotalSeconds);

    struct HourOffset
    {
        public float Offset;
        public int Count;
    }

    [InlineArray(24)]
    struct HourOffsets
    {
        HourOffset _slot;
    }
}
