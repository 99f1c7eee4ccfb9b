namespace Keel.Usage.Anomalies;

/// <summary>
/// One interval's verdict: <paramref name="Score"/> in [0, 1] (an alarm at or above the configured threshold),
/// and the evidence a person needs to judge it: the value, what the detector expected, and the range it
/// considered normal.
/// </summary>
internal readonly record struct AnomalyScore(double Score, double Observed, double Baseline, double ExpectedLow, double ExpectedHigh)
{
    public static AnomalyScore WarmingUp(double observed) => new(0, observed, observed, observed, observed);
}
