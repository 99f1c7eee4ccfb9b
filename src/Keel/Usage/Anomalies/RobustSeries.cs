using System.Runtime.CompilerServices;

namespace Keel.Usage.Anomalies;

/// <summary>
/// One series under <see cref="RobustDetector"/>. A value is judged against two baselines, each with its own robust
/// scale: the recent level (short memory) and the same hour of day (one slot per hour, keyed from the timestamp, so
/// it works at any interval). The value is only as anomalous as the baseline that explains it best: a daily peak
/// is explained by its hour, a slow drift by the level. The distance becomes a score that saturates smoothly in
/// [0, 1], and a score repeats only what rises above the recent ones, because an alarm that persists says nothing
/// new. State: a few numbers and 24 slots, about 450 bytes, whatever the number of values seen.
/// </summary>
internal sealed class RobustSeries(AnomaliesOptions options) : IAnomalySeries
{
    RobustEstimate _level;
    HourSlots _hours;
    long _count;
    DateTimeOffset _last;
    double _interval;
    double _min = double.PositiveInfinity;
    double _max = double.NegativeInfinity;
    double _recent;

    public AnomalyScore Observe(DateTimeOffset timestamp, double value)
    {
        var dt = Elapsed(timestamp);
        ref var hour = ref _hours[timestamp.UtcDateTime.Hour];
        // A scale never below 1% of the range seen, so a series that sat still does not alarm at its first wiggle.
        var floor = _count > 0 ? Math.Max(0.01 * (_max - _min), 1e-9 * Math.Abs(_level.Mean)) : 0;
        var score = AnomalyScore.WarmingUp(value);
        if (_count >= options.WarmUpValues)
        {
            var judged = Judge(value, hour, floor);
            score = judged with { Score = Quieted(judged.Score, dt) };
        }

        _level.Add(value, Weight(dt, options.LevelMemory.TotalSeconds), Weight(dt, options.ScaleMemory.TotalSeconds), floor);
        var slotSeconds = options.SeasonMemory.TotalSeconds / 24;
        hour.Add(value, Weight(dt, slotSeconds), Weight(dt, slotSeconds), floor);
        _min = Math.Min(_min, value);
        _max = Math.Max(_max, value);
        _count++;
        return score;
    }

    AnomalyScore Judge(double value, in RobustEstimate hour, double floor)
    {
        var k = options.HalfScoreDeviations;
        var levelSigma = _level.Sigma(floor);
        var z = Math.Abs(value - _level.Mean) / levelSigma;
        var (baseline, sigma) = (_level.Mean, levelSigma);
        // An hour is trusted once it has seen about two hours' worth of values, i.e. at least two days.
        if (hour.Count * _interval >= 7200)
        {
            var hourSigma = hour.Sigma(floor);
            var hourZ = Math.Abs(value - hour.Mean) / hourSigma;
            if (hourZ < z)
            {
                (z, baseline, sigma) = (hourZ, hour.Mean, hourSigma);
            }
        }
        var raw = z * z / ((z * z) + (k * k));
        return new AnomalyScore(raw, value, baseline, baseline - (k * sigma), baseline + (k * sigma));
    }

    /// <summary>Only the part of the score above what was recently reported counts; the memory fades with time.</summary>
    double Quieted(double raw, double dt)
    {
        var recent = _recent * Math.Exp(-dt / options.QuietMemory.TotalSeconds);
        _recent = Math.Max(recent, raw);
        return raw > recent ? (raw - recent) / (1 - recent) : 0;
    }

    /// <summary>Seconds since the previous value; a repeated or out-of-order timestamp counts as a typical interval.</summary>
    double Elapsed(DateTimeOffset timestamp)
    {
        var seconds = _count == 0 ? 0 : (timestamp - _last).TotalSeconds;
        if (_count == 0 || seconds > 0)
        {
            _last = timestamp;
        }
        if (seconds > 0)
        {
            _interval = _interval == 0 ? seconds : _interval + (0.01 * (seconds - _interval));
        }
        return seconds > 0 ? seconds : _interval;
    }

    static double Weight(double dt, double memorySeconds) => 1 - Math.Exp(-dt / memorySeconds);

    [InlineArray(24)]
    struct HourSlots
    {
        RobustEstimate _slot;
    }
}
