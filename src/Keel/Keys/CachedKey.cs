using System.Text.Json;

namespace Keel.Keys;

/// <summary>
/// What verification and authentication need of a key, held in memory by <see cref="KeyCache"/>.
/// Immutable except for the last-used throttle, so readers on many threads share one instance.
/// </summary>
public sealed class CachedKey
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string Kind { get; init; }
    public required string Hash { get; init; }
    public string? Role { get; init; }
    public string? OwnerId { get; init; }
    public required IReadOnlyList<string> Scopes { get; init; }
    public JsonElement? Meta { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public DateTime? RevokedAt { get; init; }
    /// <summary>The rate limit and quota checked at verify (the key's own numbers over its plan's); null: unlimited.</summary>
    public Limits.KeyLimits? Limits { get; init; }
    /// <summary>Verify spends credits from the database row (the balance itself is never cached).</summary>
    public bool UsageLimited { get; init; }

    public static CachedKey From(ApiKey key, Limits.RatePlan? plan = null) => new()
    {
        Id = key.Id,
        TenantId = key.TenantId,
        Kind = key.Kind,
        Hash = key.Hash,
        Role = key.Role,
        OwnerId = key.OwnerId,
        Scopes = [.. key.Scopes],
        Meta = key.Meta is null ? null : JsonElement.Parse(key.Meta),
        ExpiresAt = key.ExpiresAt,
        RevokedAt = key.RevokedAt,
        Limits = global::Keel.Limits.KeyLimits.Of(key.OwnLimits(), plan),
        UsageLimited = key.Remaining is not null,
    };

    public KeyState StateAt(DateTime now) => KeyStates.Of(RevokedAt, ExpiresAt, now);
}

public enum KeyState
{
    Active,
    Revoked,
    Expired,
}

public static class KeyStates
{
    /// <summary>Revocation wins over expiry; a key expires at the instant of <c>expires_at</c>.</summary>
    public static KeyState Of(DateTime? revokedAt, DateTime? expiresAt, DateTime now) =>
        revokedAt is not null ? KeyState.Revoked
        : expiresAt is { } expires && expires <= now ? KeyState.Expired
        : KeyState.Active;

    /// <summary>The state as the API spells it: <c>active</c>, <c>revoked</c>, <c>expired</c>.</summary>
    public static string Name(this KeyState state) => state switch
    {
        KeyState.Revoked => "revoked",
        KeyState.Expired => "expired",
        _ => "active",
    };
}
