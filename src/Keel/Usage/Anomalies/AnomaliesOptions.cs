using System.ComponentModel.DataAnnotations;

namespace Keel.Usage.Anomalies;

/// <summary>
/// The <c>Anomalies</c> configuration section: the robust detector's few settings. The defaults are the ones
/// scored on NAB (docs/benchmarks.md); they are not tuned per series or per kind of series.
/// </summary>
public sealed class AnomaliesOptions
{
    /// <summary>An interval whose score is at or above this is an anomaly.</summary>
    [Range(0.0, 1.0)]
    public double Threshold { get; set; } = 0.5;

    /// <summary>How far, in robust standard deviations from every baseline, a value must be to score 0.5.</summary>
    [Range(1.0, 100.0)]
    public double HalfScoreDeviations { get; set; } = 6;

    /// <summary>Memory of the level baseline: short, so drift is followed and a sudden move stands out.</summary>
    public TimeSpan LevelMemory { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Memory of the typical deviation around the level: long, so one burst does not redefine normal.</summary>
    public TimeSpan ScaleMemory { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Memory of each hour-of-day slot, counted in days that visited the slot.</summary>
    public TimeSpan SeasonMemory { get; set; } = TimeSpan.FromDays(7);

    /// <summary>After a score, later scores count only what rises above it, and this is how fast it fades.</summary>
    public TimeSpan QuietMemory { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Values a series must have seen before it scores anything but 0.</summary>
    [Range(2, 100000)]
    public int WarmUpValues { get; set; } = 24;
}
