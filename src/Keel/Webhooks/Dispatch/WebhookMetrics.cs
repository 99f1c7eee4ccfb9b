using System.Diagnostics.Metrics;

namespace Keel.Webhooks;

/// <summary>The dispatcher's meters: attempts by outcome, their duration, and publish-to-first-attempt lag.</summary>
internal sealed class WebhookMetrics
{
    public const string MeterName = "Keel.Webhooks";

    readonly Counter<long> _attempts;
    readonly Histogram<double> _duration;
    readonly Histogram<double> _lag;

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _attempts = meter.CreateCounter<long>("keel.webhooks.attempts", description: "Delivery attempts by outcome.");
        _duration = meter.CreateHistogram<double>("keel.webhooks.attempt.duration", "s", "Time from sending an attempt to its answer.");
        _lag = meter.CreateHistogram<double>("keel.webhooks.delivery.lag", "s", "Time from publish to a delivery's first attempt.");
    }

    public void Attempted(OutcomeKind outcome, TimeSpan duration)
    {
        _attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));
        _duration.Record(duration.TotalSeconds);
    }

    public void FirstAttempt(TimeSpan lag) => _lag.Record(lag.TotalSeconds);
}
