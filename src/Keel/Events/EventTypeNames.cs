using System.Text.RegularExpressions;

namespace Keel.Events;

/// <summary>Event-type names, the filters endpoints subscribe with, and the types Keel itself publishes.</summary>
public static partial class EventTypeNames
{
    public const string KeyCreated = "key.created";
    public const string KeyRevoked = "key.revoked";
    public const string KeyRotated = "key.rotated";
    public const string KeyExpiring = "key.expiring";
    public const string KeyRotationDue = "key.rotation_due";
    public const string EndpointDisabled = "endpoint.disabled";
    public const string AnomalyDetected = "anomaly.detected";
    public const string EndpointSecretRotated = "endpoint.secret_rotated";
    public const string EndpointSecretRotationDue = "endpoint.secret_rotation_due";

    /// <summary>Types Keel publishes itself; tenants may subscribe to them but not publish them.</summary>
    public static readonly IReadOnlyDictionary<string, string> BuiltIn = new Dictionary<string, string>
    {
        [KeyCreated] = "A key was created. The payload is the key as GET /v1/keys/{id} shows it.",
        [KeyRevoked] = "A key was revoked.",
        [KeyRotated] = "A key was rotated, by hand or by its schedule (`scheduled`); the payload names the old key, when it stops working, and its successor. " +
            "After a scheduled rotation the successor's secret is fetched once with GET /v1/keys/{old_key_id}/successor-secret.",
        [KeyRotationDue] = "A key's scheduled rotation is near (its rotation's notify_days_before); the payload is the key, rotation.next_rotation_at says when.",
        [KeyExpiring] = "A key expires soon (Keys:ExpiryNoticeDays before expires_at).",
        ["quota.threshold_reached"] = "A quota's soft limit (a fraction of its limit) was reached in this period; once per threshold per period.",
        ["quota.exhausted"] = "A quota was used up in this period; once per period.",
        [EndpointDisabled] = "An endpoint was disabled after failing for Webhooks:DisableAfter or answering 410 Gone.",
        [EndpointSecretRotated] = "An endpoint's signing secret was rotated, by hand or by its schedule; the old secret signs beside the new one until " +
            "previous_secret_expires_at. The new secret is never in the payload: GET /v1/webhooks/endpoints/{id}/secret.",
        [EndpointSecretRotationDue] = "An endpoint's scheduled secret rotation is near (its rotation's notify_days_before).",
        [AnomalyDetected] = "Traffic or authentication failures left their expected range.",
    };

    /// <summary>Keel's own namespaces: a tenant cannot publish a type that starts with one of these, in any letter case.</summary>
    static readonly string[] ReservedPrefixes = ["key.", "quota.", "endpoint.", "anomaly.", "keel."];

    public const int MaxLength = 100;

    /// <summary>Dot-separated words of letters, digits, '_' and '-': <c>invoice.paid</c>.</summary>
    public static bool IsValidName(string? name) => name is { Length: > 0 and <= MaxLength } && NamePattern().IsMatch(name);

    /// <summary>A name, or a name prefix followed by <c>.*</c>, or <c>*</c> alone.</summary>
    public static bool IsValidFilter(string? filter) =>
        filter == "*" || (filter is { Length: > 2 } && filter.EndsWith(".*", StringComparison.Ordinal)
            ? IsValidName(filter[..^2])
            : IsValidName(filter));

    // Names keep their case, but `KEY.revoked` would pass for Keel's own with a receiver that compares without it.
    public static bool IsReserved(string name) => ReservedPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Does an endpoint with these filters receive this type? No filters means every type.</summary>
    public static bool Matches(IReadOnlyList<string>? filters, string type)
    {
        if (filters is null)
        {
            return true;
        }
        foreach (var filter in filters)
        {
            if (filter == "*" || filter == type)
            {
                return true;
            }
            // "invoice.*" takes invoice.paid and invoice.line.added, not "invoice" or "invoices.x".
            if (filter.EndsWith(".*", StringComparison.Ordinal) && type.Length > filter.Length - 1
                && type.StartsWith(filter.AsSpan(0, filter.Length - 1), StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")]
    private static partial Regex NamePattern();
}
