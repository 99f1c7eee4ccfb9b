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
/// <item>four kinds of evidence, each scored against what the series itself did lately, are combined as independent
/// chances (1 − the product of their complements): the value's surprise against the largest one remembered (fading over
/// <c>SurpriseMemory</c>), divided by 1 + the number of larger surprises counted over <c>SurpriseHistory</c>; a run of
/// <c>SustainedValues</c> values beyond the normal band on one side, by its least surprise, against the largest such run
/// remembered (a level shift or a plateau that no single value gives away); a value beyond the whole range ever
/// seen; and a burst of volatility, the short-memory deviation against the long-memory one, against the largest such
/// burst remembered (swings that never leave the normal band at one value). A spiky series' usual spikes and a calm series' first bump land on one scale, and an alarm that persists, or repeats at the same size, scores 0 after its first interval (a run that has alarmed
/// alarms again only on a bigger surprise): NAB charges every false alarm and counts one detection per window, and a
/// person wants one alarm per incident.</item>
/// </list>
/// State: about 30 numbers, 24 hour slots and 16 surprise counts, whatever the number of values seen (its size per series
/// is in docs/benchmarks.md, Cost for 100,000 series).
/// </summary>
internal sealed class RobustSeries(AnomaliesOptions options) : IAnomalySeries
{
    /// <summary>Mean absolute deviation to standard deviation, for normal noise.</summary>
    const double SigmaPerDeviation = 1.2533;

    /// <summary>Residuals teach at most this many deviations (Huber-style clipping).</summary>
    const double Clip = 3;

    /// <summary>
    /// A short-memory deviation up to this many times the long-memory one is ordinary volatility; above it, a volatility
    /// episode.
    /// </summary>
    const double VolatilityNormal = 1.5;

    /// <summary>The scale needs a few values before anything can be judged against it.</summary>
    const int MinimumValues = 12;

    /// <summary>
    /// The memories are stated for values 5 minutes apart. On coarser data each spans at least as many values as it
    /// would at 5 minutes: a one-hour level over hourly values would be the last value, not an average.
    /// </summary>
    const double ReferenceSeconds = 300;

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
    // The current run of values beyond the normal band on one side (+1 above, -1 below, 0 none).
    int _runSide;
    int _runLength;
    double _runLeast;
    bool _runAlarmed;
    double _largestRun;
    SurpriseCounts _history;
    // Volatility: the mean absolute residual over LevelMemory against the scale (over ScaleMemory), in an episode while
    // above VolatilityNormal; the largest episode remembered, the current one's peak, and whether it has alarmed.
    double _shortDeviation;
    double _largestVolatility;
    double _volatilityPeak;
    bool _volatilityAlarmed;


    public AnomalyScore Observe(DateTimeOffset timestamp, double value)
    {
        var dt = Elapsed(timestamp);
        ref var hour = ref _hours[timestamp.UtcDateTime.Hour];
        // Never below 1% of the range seen, so a series that sat still does not alarm at its first wiggle.
        var floor = Math.Max(_count > 0 ? 0.01 * (_max - _min) : 0, Math.Max(1e-9 * Math.Abs(_level), 1e-12));
        var sigma = Math.Max(_deviation * SigmaPerDeviation, floor);
        // An hour's offset is used once it has seen two hours' worth of values, i.e. at least two days.
        var expected = _level + (hour.Count * _interval >= 7200 ? hour.Offset : 0);

        // Volatility episodes are followed from the start, so the largest one remembered is learnt during the warm-up.
        var volatility = Volatility(value - expected, sigma, dt);
        var score = AnomalyScore.WarmingUp(value);
        if (_count >= MinimumValues && timestamp - _first >= options.WarmUp)
        {
            var (low, high) = (expected - (options.NormalDeviations * sigma), expected + (options.NormalDeviations * sigma));
            score = new AnomalyScore(Score((value - expected) / sigma, value, dt, volatility), value, expected, low, high);
        }
        Learn(value, expected, dt, floor, ref hour);
        return score;
    }

    double Score(double deviations, double value, double dt, double volatility)
    {
        var normal = options.NormalDeviations;
        var surprise = Math.Abs(deviations);
        var fade = Math.Exp(-dt / Stretched(options.SurpriseMemory));

        var remembered = Math.Max(_largestSurprise * fade, normal);
        _largestSurprise = Math.Max(remembered, surprise);
        // A record for the last few days is less news on a series that has often done bigger lately (a heavy-tailed
        // series: tweet volumes, CPU with regular bursts): with n larger surprises in the history it is at best the
        // (n+1)-th largest, and counts 1/(1+n) of what it would.
        var larger = _history.LargerThenRecord(surprise, normal, Math.Exp(-dt / Stretched(options.SurpriseHistory)));
        var single = Saturate((surprise / remembered) - 1, options.HalfScoreRatio - 1) / (1 + larger);

        // A new extreme counts only when it is also outside the normal band: after a level shift, ordinary noise
        // around the new level sets records that are no news.
        var range = _max - _min;
        var excess = range > 0 && surprise > normal ? Math.Max(value - _max, _min - value) / range : 0;

        // A run of values beyond the band on one side is scored by its least surprising value, so it is news only when
        // every one of its values was unusual. Once a run has raised an alarm, neither its length nor its new extremes
        // alarm again: one incident, one alarm (NAB, too, counts one detection per window and charges every false one).
        // Only a surprise bigger than the remembered ones is news again.
        var side = surprise > normal ? Math.Sign(deviations) : 0;
        var alarmed = side != 0 && side == _runSide && _runAlarmed;
        (_runLength, _runLeast) = side != 0 && side == _runSide ? (_runLength + 1, Math.Min(_runLeast, surprise)) : (side == 0 ? 0 : 1, surprise);
        _runSide = side;
        var run = _runLength >= options.SustainedValues ? _runLeast : 0;
        var rememberedRun = Math.Max(_largestRun * fade, normal);
        _largestRun = Math.Max(rememberedRun, run);
        var sustained = alarmed ? 0 : Saturate((run / rememberedRun) - 1, options.HalfScoreRatio - 1);
        var beyond = alarmed ? 0 : Saturate(excess, options.HalfScoreRangeExcess);

        var varying = _volatilityAlarmed ? 0 : volatility;

        var score = 1 - ((1 - single) * (1 - sustained) * (1 - beyond) * (1 - varying));
        _runAlarmed = side != 0 && (alarmed || score >= options.Threshold);
        _volatilityAlarmed |= score >= options.Threshold;
        return score;
    }

    /// <summary>
    /// The volatility evidence for this value: the mean absolute residual over <c>LevelMemory</c> (residuals clipped at
    /// <see cref="Clip"/> deviations, so one spike barely moves it and only a burst of many values does) in units of the
    /// long-memory deviation. Above <see cref="VolatilityNormal"/> it is an episode, scored against the largest episode
    /// remembered (fading over <c>SurpriseMemory</c>) like a single surprise; an episode's peak is remembered when it
    /// ends, so a burst that grows is compared with the past, not with its own last value.
    /// </summary>
    double Volatility(double residual, double sigma, double dt)
    {
        if (_count < 2)
        {
            return 0;
        }
        var deviation = sigma / SigmaPerDeviation;
        var weight = Math.Max(Weight(dt, options.LevelMemory), 1 / (double)_count);
        _shortDeviation += weight * (Math.Min(Math.Abs(residual), Clip * deviation) - _shortDeviation);
        var ratio = _shortDeviation / deviation;
        var remembered = Math.Max(_largestVolatility * Math.Exp(-dt / Stretched(options.SurpriseMemory)), VolatilityNormal);
        _largestVolatility = remembered;
        // An alarm, whatever raised it, silences this evidence until the volatility is back to the long-memory level: a
        // spike or a burst that alarmed pushes the short deviation up, and that is the same incident, not a second one.
        _volatilityAlarmed &= ratio > 1;
        if (ratio <= VolatilityNormal)
        {
            _largestVolatility = Math.Max(remembered, _volatilityPeak);
            _volatilityPeak = 0;
            return 0;
        }
        _volatilityPeak = Math.Max(_volatilityPeak, ratio);
        return Saturate((ratio / remembered) - 1, options.HalfScoreRatio - 1);
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
        // An hour is visited for 1/24 of the time, so its memory in visiting time is a 24th of SeasonMemory. It counts
        // days whatever the interval (not stretched): a daily pattern is learnt from days, not from a number of values.
        var seasonal = Math.Clamp(value - _level - hour.Offset, -limit, limit);
        hour.Offset += (float)(Math.Max(1 - Math.Exp(-dt / (options.SeasonMemory / 24).TotalSeconds), 1.0 / hour.Count) * seasonal);
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

    double Weight(double dt, TimeSpan memory) => 1 - Math.Exp(-dt / Stretched(memory));

    /// <summary>The memory in seconds, stretched on data coarser than 5 minutes (see <see cref="ReferenceSeconds"/>).</summary>
    double Stretched(TimeSpan memory) => memory.TotalSeconds * Math.Max(1, _interval / ReferenceSeconds);

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
