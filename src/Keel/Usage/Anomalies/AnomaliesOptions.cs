using System.ComponentModel.DataAnnotations;

namespace Keel.Usage.Anomalies;

/// <summary>
/// The <c>Anomalies</c> configuration section: the robust detector's few settings. The defaults are the ones
/// scored on NAB (docs/benchmarks.md); the same values serve every series, nothing is tuned per series or kind.
/// </summary>
public sealed class AnomaliesOptions
{
    /// <summary>An interval whose score is at or above this is an anomaly.</summary>
    [Range(0.0, 1.0)]
    public double Threshold { get; set; } = 0.5;

    /// <summary>
    /// A value this many times as surprising as the largest surprise remembered scores 0.5 (1 scores 0): an alarm
    /// means "more unusual than anything lately", which puts spiky and calm series on one scale.
    /// </summary>
    [Range(1.01, 100.0)]
    public double HalfScoreRatio { get; set; } = 1.5;

    /// <summary>Distances up to this many robust standard deviations are never surprising, however calm the series was.</summary>
    [Range(0.5, 100.0)]
    public double NormalDeviations { get; set; } = 3;

    /// <summary>A value beyond the whole range seen by this fraction of the range scores 0.5.</summary>
    [Range(0.001, 10.0)]
    public double HalfScoreRangeExcess { get; set; } = 0.02;

    /// <summary>Memory of the level: short, so drift is followed and a sudden move stands out.</summary>
    public TimeSpan LevelMemory { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Memory of the typical deviation from the baseline: long, so one burst does not redefine normal.</summary>
    public TimeSpan ScaleMemory { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Memory of each hour-of-day offset, counted in days that visited the hour.</summary>
    public TimeSpan SeasonMemory { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long the largest recent surprise is remembered (it fades exponentially).</summary>
    public TimeSpan SurpriseMemory { get; set; } = TimeSpan.FromDays(3);

    /// <summary>A series scores 0 until this long after its first value (and at least 12 values).</summary>
    public TimeSpan WarmUp { get; set; } = TimeSpan.FromDays(1);
}
