using System.Text.Json;
using Keel.Http;

namespace Keel.Keys;

/// <summary>The outcome codes of <c>POST /v1/keys/verify</c>.</summary>
public static class VerifyCodes
{
    public const string Valid = "VALID";
    public const string NotFound = "NOT_FOUND";
    public const string Revoked = "REVOKED";
    public const string Expired = "EXPIRED";
    public const string ForbiddenScope = "FORBIDDEN_SCOPE";
    public const string RateLimited = "RATE_LIMITED";
    public const string QuotaExceeded = "QUOTA_EXCEEDED";
}

public sealed record VerifyResult(
    bool Valid, string Code, string? KeyId, string? OwnerId, IReadOnlyList<string>? Scopes, JsonElement? Meta,
    DateTime? ExpiresAt, object? Ratelimit, object? Quota);

/// <summary>
/// The verify pipeline, the hottest path: hash → cache → tenant, status, expiry, scopes. No database
/// write per request; use is recorded in memory. Rate limits and quotas plug in after the scope check.
/// </summary>
public sealed class KeyVerifier(KeyCache cache, LastUsedTracker lastUsed, KeyMetrics metrics, TimeProvider time)
{
    public async ValueTask<VerifyResult> VerifyAsync(string tenantId, string secret, IReadOnlyList<string>? requiredScopes, CancellationToken ct)
    {
        var key = await cache.GetAsync(Secrets.Hash(secret), ct);
        // Another tenant's key, and a management key, are exactly as unknown as a key that never existed.
        if (key is null || key.TenantId != tenantId || key.Kind != ApiKey.Client)
        {
            return Done(new VerifyResult(false, VerifyCodes.NotFound, null, null, null, null, null, null, null));
        }
        var code = key.StateAt(time.GetUtcNow().UtcDateTime) switch
        {
            KeyState.Revoked => VerifyCodes.Revoked,
            KeyState.Expired => VerifyCodes.Expired,
            _ when requiredScopes is { Count: > 0 } && !requiredScopes.All(key.Scopes.Contains) => VerifyCodes.ForbiddenScope,
            _ => VerifyCodes.Valid,
        };
        if (code == VerifyCodes.Valid)
        {
            lastUsed.Touch(key.TenantId, key.Id);
        }
        return Done(new VerifyResult(code == VerifyCodes.Valid, code, key.Id, key.OwnerId, key.Scopes, key.Meta,
            key.ExpiresAt, null, null));
    }

    VerifyResult Done(VerifyResult result)
    {
        metrics.Verified(result.Code);
        return result;
    }
}
