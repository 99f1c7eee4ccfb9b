using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;

namespace Keel.Keys;

/// <summary>The Keel meter's key instruments.</summary>
public sealed class KeyMetrics
{
    public const string MeterName = "Keel";
    readonly Counter<long> _verifications;

    [SuppressMessage("Reliability", "CA2000", Justification = "IMeterFactory owns the meters it creates and disposes them with the container.")]
    public KeyMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _verifications = meter.CreateCounter<long>("keel.keys.verifications", "{verification}",
            "Key verifications by outcome (VALID, NOT_FOUND, REVOKED, ...).");
    }

    public void Verified(string outcome) =>
        _verifications.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
