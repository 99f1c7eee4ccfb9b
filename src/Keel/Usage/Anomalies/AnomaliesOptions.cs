using System.ComponentModel.DataAnnotations;

namespace Keel.Usage.Anomalies;

/// <summary>
/// The <c>Anomalies</c> configuration section: the robust detector's few settings. The defaults are the ones
/// scored on NAB (docs/benchmarks.md); the same values serve every series, nothing is tuned per series or kind.
/// </summary>
public sealed class AnomaliesOptions
{
    /// <summary>
    /// An interval whose score is at or above this is an anomaly. The detector uses it too: a run of unusual values that
    /// has raised an alarm does not raise another by lasting or by setting new extremes.
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Anomalies:Threshold must be from 0 to 1.")]
    public double Threshold { get; set; } = 0.5;

    /// <summary>
    /// A value this many times as surprising as the largest surprise remembered scores 0.5 (1 scores 0): an alarm
    /// means "more unusual than anything lately", which puts spiky and calm series on one scale. A sustained run is
    /// scored the same way against the largest run remembered.
    /// </summary>
    [Range(1.01, 100.0, ErrorMessage = "Anomalies:HalfScoreRatio must be from 1.01 to 100.")]
    public double HalfScoreRatio { get; set; } = 1.5;

    /// <summary>Distances up to this many robust standard deviations are never surprising, however calm the series was.</summary>
    [Range(0.5, 100.0, ErrorMessage = "Anomalies:NormalDeviations must be from 0.5 to 100.")]
    public double NormalDeviations { get; set; } = 3;

    /// <summary>
    /// A run of this many consecutive values beyond the normal band, all on one side, is evidence of its own, scored by
    /// its least surprising value: a level shift or plateau that is unusual for an hour but never extreme at one point.
    /// </summary>
    [Range(2, 1000, ErrorMessage = "Anomalies:SustainedValues must be from 2 to 1000.")]
    public int SustainedValues { get; set; } = 4;

    /// <summary>A value beyond the whole range seen (and outside the normal band) by this fraction of the range scores 0.5.</summary>
    [Range(0.001, 10.0, ErrorMessage = "Anomalies:HalfScoreRangeExcess must be from 0.001 to 10.")]
    public double HalfScoreRangeExcess { get; set; } = 0.02;

    // The memories are stated for values 5 minutes apart; on coarser data each spans at least as many values as it would
    // at 5 minutes (the hour offsets excepted: they count days).

    /// <summary>Memory of the level: short, so drift is followed and a sudden move stands out.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = "Anomalies:LevelMemory must be from 1 minute to 30 days.")]
    public TimeSpan LevelMemory { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Memory of the typical deviation from the baseline: long, so one burst does not redefine normal.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Anomalies:ScaleMemory must be from 1 minute to 365 days.")]
    public TimeSpan ScaleMemory { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Memory of each hour-of-day offset, counted in days that visited the hour.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "365.00:00:00", ErrorMessage = "Anomalies:SeasonMemory must be from 1 day to 365 days.")]
    public TimeSpan SeasonMemory { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long the largest recent surprise, and the largest recent run, are remembered (they fade exponentially).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Anomalies:SurpriseMemory must be from 1 minute to 365 days.")]
    public TimeSpan SurpriseMemory { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// How long surprises are counted by size (a decayed count): a single value's score is divided by 1 + the number of
    /// larger surprises counted, so a series that often does bigger needs a bigger surprise to alarm.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Anomalies:SurpriseHistory must be from 1 minute to 365 days.")]
    public TimeSpan SurpriseHistory { get; set; } = TimeSpan.FromDays(14);

    /// <summary>A series scores 0 until this long after its first value (and at least 12 values).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00", ErrorMessage = "Anomalies:WarmUp must be from 0 to 30 days.")]
    public TimeSpan WarmUp { get; set; } = TimeSpan.FromDays(1);

    // How the scanner feeds the detector with usage (AnomalyScanner); none of these change a score.

    /// <summary>Off: no worker scans usage for anomalies.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the worker holding the lease looks for newly settled minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "40.00:00:00", ErrorMessage = "Anomalies:ScanInterval must be from 1 second to 40 days.")]
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>After a pause (a new leaseholder, an outage) at most this much of the past can report; the warm-up before it only trains.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "Anomalies:MaxCatchUp must be from 1 minute to 1 day.")]
    public TimeSpan MaxCatchUp { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A series without traffic this long is forgotten, so memory follows the series in use.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "90.00:00:00", ErrorMessage = "Anomalies:IdleEviction must be from 1 hour to 90 days.")]
    public TimeSpan IdleEviction { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The least difference from the baseline, in calls per minute, that is reported: on a quiet series 0 to 3
    /// calls can be many deviations away and still not worth anyone's attention.
    /// </summary>
    [Range(0.0, 1e9, ErrorMessage = "Anomalies:MinimumChange must be from 0 to 1e9.")]
    public double MinimumChange { get; set; } = 10;
}
