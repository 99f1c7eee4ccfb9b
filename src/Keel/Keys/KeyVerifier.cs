using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Keel.Http;
using Keel.Limits;

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

/// <summary>The answer of a verify; <c>ratelimit</c> and <c>quota</c> are there when the key's limits were checked.</summary>
public sealed record VerifyResult(
    bool Valid,
    [property: AllowedValues(VerifyCodes.Valid, VerifyCodes.NotFound, VerifyCodes.Revoked, VerifyCodes.Expired, VerifyCodes.ForbiddenScope,
        VerifyCodes.RateLimited, VerifyCodes.QuotaExceeded)] string Code,
    string? KeyId, string? OwnerId, IReadOnlyList<string>? Scopes, JsonElement? Meta,
    DateTime? ExpiresAt, RatelimitView? Ratelimit, QuotaUsageView? Quota, long? Remaining = null);

/// <summary>
/// The verify pipeline, the hottest path: hash → cache → tenant, status, expiry, scopes → rate limit →
/// quota → credits. No database write per request (except spending a usage-limited key's credits);
/// use is counted in memory (<see cref="IVerificationCounter"/>, <see cref="LastUsedTracker"/>). A key refused by its rate limit does not spend quota, and a refused
/// call spends no credits.
/// </summary>
public sealed class KeyVerifier(
    KeyCache cache, LastUsedTracker lastUsed, KeyMetrics metrics, IVerificationCounter usage, Limiter limiter, PeriodQuotas quotas, KeyCredits credits,
    TimeProvider time)
{
    public async ValueTask<VerifyResult> VerifyAsync(
        string tenantId, string secret, IReadOnlyList<string>? requiredScopes, CancellationToken ct, long cost = 1)
    {
        // Anything Keel could not have issued is unknown without asking the cache or the database, so junk neither
        // costs a read nor takes a place among the "no such key" answers.
        var key = KeyIssuer.HasKeyShape(secret) ? await cache.GetAsync(BearerSecrets.Hash(secret), ct) : null;
        // One clock read serves the expiry check, the credits' period, the usage minute and last_used_at.
        var now = time.GetUtcNow();
        // Another tenant's key, and a management key, are exactly as unknown as a key that never existed.
        if (key is null || key.TenantId != tenantId || key.Kind != ApiKey.Client)
        {
            metrics.Verified(VerifyCodes.NotFound);
            usage.NotFound(tenantId, secret, now);
            return new VerifyResult(false, VerifyCodes.NotFound, null, null, null, null, null, null, null);
        }
        var code = key.StateAt(now.UtcDateTime) switch
        {
            KeyState.Revoked => VerifyCodes.Revoked,
            KeyState.Expired => VerifyCodes.Expired,
            _ when requiredScopes is { Count: > 0 } && !requiredScopes.All(key.Scopes.Contains) => VerifyCodes.ForbiddenScope,
            _ => VerifyCodes.Valid,
        };
        RatelimitView? ratelimit = null;
        QuotaUsageView? quota = null;
        long? remaining = null;
        if (code == VerifyCodes.Valid && key.Limits is { } limits)
        {
            (code, ratelimit, quota) = await LimitAsync(key.TenantId, key.Id, limits, cost, ct);
        }
        // Credits last: a call the rate limit or the quota refused spends none of them.
        if (code == VerifyCodes.Valid && key.UsageLimited)
        {
            (var spent, remaining) = await credits.SpendAsync(key.TenantId, key.Id, cost, now, ct);
            code = spent ? VerifyCodes.Valid : VerifyCodes.QuotaExceeded;
        }
        if (code == VerifyCodes.Valid)
        {
            lastUsed.Touch(key.TenantId, key.Id, now);
        }
        metrics.Verified(code);
        usage.Verified(key.TenantId, key.Id, code, now);
        return new VerifyResult(code == VerifyCodes.Valid, code, key.Id, key.OwnerId, key.Scopes, key.Meta,
            key.ExpiresAt, ratelimit, quota, remaining);
    }

    async ValueTask<(string Code, RatelimitView? Ratelimit, QuotaUsageView? Quota)> LimitAsync(string tenantId, string keyId, KeyLimits limits, long cost, CancellationToken ct)
    {
        LimitResult<BucketDecision>? taken = null;
        PeriodQuotaResult? quota = null;
        if (limits.HasRate)
        {
            var rate = new BucketSpec(limits.RequestsPerSecond!.Value, limits.Burst!.Value);
            // Bucket and quota in one step, so one Redis round trip; the quota is spent only if the bucket allows.
            (taken, quota) = limits.HasQuota
                ? await quotas.TakeAndConsumeAsync(tenantId, keyId, rate, limits.QuotaPeriod!, limits.QuotaLimit!.Value, cost, limits.FailOpen, limits.SoftLimits, ct)
                : (await limiter.TakeAsync("key:" + keyId, rate, cost, limits.FailOpen, ct), null);
        }
        else
        {
            quota = await quotas.ConsumeAsync(tenantId, keyId, limits.QuotaPeriod!, limits.QuotaLimit!.Value, cost, limits.FailOpen, limits.SoftLimits, ct);
        }
        RatelimitView? ratelimit = null;
        if (taken is { } t)
        {
            if (t.Status == LimitStatus.Unavailable)
            {
                return (VerifyCodes.RateLimited, new RatelimitView(limits.Burst!.Value, 0, 1, Unavailable: true), null);
            }
            ratelimit = RatelimitView.From(t.Decision);
            if (!t.Decision.Allowed)
            {
                return (VerifyCodes.RateLimited, ratelimit, null);
            }
        }
        if (quota is not { } q)
        {
            return (VerifyCodes.Valid, ratelimit, null);
        }
        // Without a hard cap the quota is only watched: the call goes through, the count stops at the limit.
        var refused = q.Unavailable || (!q.Allowed && limits.HardCap);
        return (refused ? VerifyCodes.QuotaExceeded : VerifyCodes.Valid, ratelimit, q.Usage);
    }
}
