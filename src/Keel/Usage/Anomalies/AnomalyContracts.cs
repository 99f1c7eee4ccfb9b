using System.ComponentModel.DataAnnotations;

namespace Keel.Usage.Anomalies;

/// <summary>The range the detector took as normal for the interval, around its baseline.</summary>
public sealed record ExpectedRange(double Baseline, double Low, double High);

/// <summary>An anomaly as <c>GET /v1/anomalies</c> lists it and <c>anomaly.detected</c> carries it.</summary>
public sealed record AnomalyView(
    string Id, [property: AllowedValues(AnomalySeriesKinds.KeyTraffic, AnomalySeriesKinds.AuthFailures)] string Series, string? KeyId, DateTime Ts, int IntervalSeconds, double Score, double Observed,
    ExpectedRange Expected, DateTime DetectedAt)
{
    public static AnomalyView From(Anomaly a) => new(
        a.Id, a.Kind, a.KeyId, a.IntervalStart, a.IntervalSeconds, Math.Round(a.Score, 4), a.Observed,
        new ExpectedRange(Math.Round(a.Baseline, 3), Math.Round(a.ExpectedLow, 3), Math.Round(a.ExpectedHigh, 3)), a.DetectedAt);
}
