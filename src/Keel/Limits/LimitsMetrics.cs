using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;

namespace Keel.Limits;

/// <summary>Rate-limit meters: refusals by reason, Redis failures, and whether this node runs degraded.</summary>
public sealed class LimitsMetrics
{
    public const string MeterName = "Keel.Limits";
    readonly Counter<long> _decisions;
    readonly Counter<long> _redisFailures;
    int _degraded;

    [SuppressMessage("Reliability", "CA2000", Justification = "IMeterFactory owns the meters it creates and disposes them with the container.")]
    public LimitsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _decisions = meter.CreateCounter<long>("keel.limits.decisions", description: "Rate-limit and quota decisions by kind and outcome.");
        _redisFailures = meter.CreateCounter<long>("keel.limits.redis.failures", description: "Limit checks Redis could not answer.");
        meter.CreateObservableGauge("keel.limits.degraded", () => Volatile.Read(ref _degraded),
            description: "1 while Redis is unavailable and limits fall back (fail open) or refuse (fail closed).");
    }

    public void Decided(string kind, bool allowed) =>
        _decisions.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("allowed", allowed));

    public void RedisFailure() => _redisFailures.Add(1);

    public void SetDegraded(bool degraded) => Volatile.Write(ref _degraded, degraded ? 1 : 0);
}
