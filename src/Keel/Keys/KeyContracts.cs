using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Keel.Http;
using Keel.Jobs;
using Keel.Tenants;

namespace Keel.Keys;

public sealed record CreateKeyRequest(
    [property: AllowedValues(ApiKey.Client, ApiKey.Management)] string? Kind, [property: Required] string? Name, string? Prefix, string? OwnerId,
    List<string>? Scopes, JsonElement? Meta, DateTimeOffset? ExpiresAt,
    [property: AllowedValues(Roles.Owner, Roles.Admin, Roles.Developer, Roles.Auditor, Roles.Viewer)] string? Role, string? PlanId, Limits.RateSpec? Rate, KeyQuotaSpec? Quota, long? Remaining, RefillSpec? Refill,
    RotationSpec? Rotation);

public sealed record UpdateKeyRequest(
    PatchField<string> Name, PatchField<List<string>> Scopes, PatchField<JsonElement?> Meta, PatchField<DateTimeOffset?> ExpiresAt,
    PatchField<string?> PlanId, PatchField<Limits.RateSpec?> Rate, PatchField<KeyQuotaSpec?> Quota,
    PatchField<long?> Remaining, PatchField<RefillSpec?> Refill, PatchField<RotationSpec?> Rotation);

/// <summary>Sets a usage-limited key's balance back to <c>amount</c> at each UTC day or month start.</summary>
public sealed record RefillSpec([property: Required, AllowedValues("day", "month")] string? Interval, [property: Required] long? Amount);

/// <summary>A key's own quota, overriding its plan's limit (soft limits and the hard cap come from the plan).</summary>
public sealed record KeyQuotaSpec([property: Required, AllowedValues("day", "month")] string? Period, [property: Required] long? Limit);

public sealed record KeyQuotaView([property: AllowedValues("day", "month")] string Period, long Limit);

public sealed record RotateKeyRequest(int? GracePeriodSeconds);

public sealed record VerifyKeyRequest([property: Required] string? Key, List<string>? Scopes, int? Cost);

/// <summary>A key as every read shows it: never the secret.</summary>
public record KeyView
{
    public string Id { get; init; } = "";
    [AllowedValues(ApiKey.Client, ApiKey.Management)]
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string Prefix { get; init; } = "";
    /// <summary>The prefix and the first characters of the secret, to recognise a key.</summary>
    public string Start { get; init; } = "";
    [AllowedValues("active", "revoked", "expired")]
    public string Status { get; init; } = "";
    public string? OwnerId { get; init; }
    /// <summary>A management key's role; null for a client key.</summary>
    [AllowedValues(Roles.Owner, Roles.Admin, Roles.Developer, Roles.Auditor, Roles.Viewer)]
    public string? Role { get; init; }
    public IReadOnlyList<string> Scopes { get; init; } = [];
    public JsonElement? Meta { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? RevokedAt { get; init; }
    public DateTime? LastUsedAt { get; init; }
    public string? RotatedToId { get; init; }
    public string? RotatedFromId { get; init; }
    public string? PlanId { get; init; }
    /// <summary>The key's own bucket, overriding its plan's; null when the plan decides.</summary>
    public Limits.RateView? Rate { get; init; }
    /// <summary>The key's own quota, overriding its plan's; null when the plan decides.</summary>
    public KeyQuotaView? Quota { get; init; }
    /// <summary>Credits left, as of the last verify (a refill due is applied at the next one); null when not usage-limited.</summary>
    public long? Remaining { get; init; }
    public RefillSpec? Refill { get; init; }
    /// <summary>The rotation schedule and the next scheduled rotation; null when the key has none.</summary>
    public RotationView? Rotation { get; init; }

    public static KeyView From(ApiKey k, DateTime now) => new()
    {
        Id = k.Id,
        Kind = k.Kind,
        Name = k.Name,
        Prefix = k.Prefix,
        Start = k.Start,
        Status = k.StateAt(now).Name(),
        OwnerId = k.OwnerId,
        Role = k.Role,
        Scopes = k.Scopes,
        Meta = k.Meta is null ? null : JsonElement.Parse(k.Meta),
        ExpiresAt = k.ExpiresAt,
        CreatedAt = k.CreatedAt,
        UpdatedAt = k.UpdatedAt,
        RevokedAt = k.RevokedAt,
        LastUsedAt = k.LastUsedAt,
        RotatedToId = k.RotatedToId,
        RotatedFromId = k.RotatedFromId,
        PlanId = k.PlanId,
        Rate = k.RateRequestsPerSecond is { } rps ? new Limits.RateView(rps, k.RateBurst ?? (long)Math.Ceiling(rps)) : null,
        Quota = k is { QuotaPeriod: { } period, QuotaLimit: { } limit } ? new KeyQuotaView(period, limit) : null,
        Remaining = k.Remaining,
        Refill = k is { RefillInterval: { } interval, RefillAmount: { } amount } ? new RefillSpec(interval, amount) : null,
        Rotation = RotationSchedules.View(k),
    };
}

/// <summary>The answer to a create or rotate: the only time the secret is shown.</summary>
public sealed record CreatedKeyView : KeyView
{
    public CreatedKeyView(KeyView view, string key) : base(view) => Key = key;

    /// <summary>The secret. Shown once; Keel keeps only its hash.</summary>
    [JsonPropertyOrder(-1)]
    public string Key { get; }
}

/// <summary>
/// The payload of <c>key.rotated</c>: the old key, when it stops working, its successor, and whether the
/// schedule rotated it (then the successor's secret is at <c>GET /v1/keys/{old_key_id}/successor-secret</c>).
/// </summary>
public sealed record KeyRotatedPayload(string OldKeyId, DateTime? OldKeyExpiresAt, KeyView Successor, bool Scheduled);
