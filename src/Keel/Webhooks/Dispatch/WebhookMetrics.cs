using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;

namespace Keel.Webhooks;

/// <summary>
/// The dispatcher's meters: attempts by outcome, their duration, publish-to-first-attempt lag, and the
/// outcomes waiting to be recorded.
/// </summary>
internal sealed class WebhookMetrics
{
    public const string MeterName = "Keel.Webhooks";

    // Without advice an exporter's default buckets start at 5 (seconds here): every lag would share one bucket.
    static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    };

    readonly Counter<long> _attempts;
    readonly Histogram<double> _duration;
    readonly Histogram<double> _lag;
    Func<int>? _unrecorded;

    [SuppressMessage("Reliability", "CA2000", Justification = "IMeterFactory owns the meters it creates and disposes them with the container.")]
    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _attempts = meter.CreateCounter<long>("keel.webhooks.attempts", description: "Delivery attempts by outcome.");
        _duration = meter.CreateHistogram("keel.webhooks.attempt.duration", "s", "Time from sending an attempt to its answer.", advice: SecondsBuckets);
        _lag = meter.CreateHistogram("keel.webhooks.delivery.lag", "s", "Time from publish to a delivery's first attempt.", advice: SecondsBuckets);
        // No measurement on a node without a dispatcher, rather than a misleading 0.
        meter.CreateObservableGauge("keel.webhooks.outcomes.unrecorded",
            () => Volatile.Read(ref _unrecorded) is { } count ? [new Measurement<int>(count())] : Array.Empty<Measurement<int>>(), "{outcome}",
            "Attempt outcomes waiting to be recorded; with the attempts in flight, at most Webhooks:MaxConcurrency per worker.");
    }

    public void Attempted(OutcomeKind outcome, TimeSpan duration)
    {
        _attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));
        _duration.Record(duration.TotalSeconds);
    }

    public void FirstAttempt(TimeSpan lag) => _lag.Record(lag.TotalSeconds);

    /// <summary>Where the gauge of unrecorded outcomes reads its count.</summary>
    public void ObserveUnrecordedOutcomes(Func<int> count) => Volatile.Write(ref _unrecorded, count);
}
