using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Keel.Events;
using Keel.Http;
using Keel.Jobs;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Keys;

public static class KeysApi
{
    const int MaxScopes = 100;
    const int MaxMetaBytes = 16 * 1024;
    static readonly TimeSpan MaxGrace = TimeSpan.FromDays(30);

    static RotationLimits RotationBounds(IOptions<KeysOptions> options) => new(MaxGrace, options.Value.DefaultRotationGrace);
    const string NotRotatable = "Only an active key that was not rotated already can be rotated.";

    public static RouteGroupBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/keys").WithTags("Keys");
        keys.MapPost("/", CreateKey).WithName("createKey").RequireAuthorization(Permissions.KeysWrite)
            .WithSummary("Create a client or management key").WithDescription(
                "Returns the secret once, in `key`; only its SHA-256 is stored. `rotation: {every_days, grace_period_seconds?, notify_days_before?}` " +
                "rotates the key every `every_days` days (first rotation `every_days` from now): `key.rotation_due` is published `notify_days_before` days " +
                "ahead (0 or absent: no notice), `key.rotated` at the rotation, and the successor's secret is fetched once with " +
                "`GET /v1/keys/{id}/successor-secret` before the old key's grace ends.")
            .BodyProblems(ErrorCodes.RoleEscalation).ShowsSecret();
        keys.MapGet("/", ListKeys).WithName("listKeys").RequireAuthorization(Permissions.KeysRead)
            .WithSummary("List keys, newest first").AuthProblems(ErrorCodes.InvalidQuery);
        keys.MapGet("/{id}", GetKey).WithName("getKey").RequireAuthorization(Permissions.KeysRead)
            .WithSummary("Get a key (never its secret)").AuthProblems(ErrorCodes.NotFound);
        keys.MapPatch("/{id}", UpdateKey).WithName("updateKey").RequireAuthorization(Permissions.KeysWrite)
            .WithSummary("Change a key's name, scopes, meta, expiry, limits or rotation schedule").WithDescription(
                "Absent fields stay as they are; `expires_at: null` removes the expiry, `rotation: null` the schedule. A new `rotation` counts from now.")
            .BodyProblems(ErrorCodes.NotFound, ErrorCodes.KeyNotActive, ErrorCodes.RoleEscalation);
        keys.MapDelete("/{id}", RevokeKey).WithName("revokeKey").RequireAuthorization(Permissions.KeysWrite)
            .WithSummary("Revoke a key").WithDescription("Effective at once on this node and within a second on every other. Revoking a revoked key is a no-op. " +
                "The tenant's last active owner key cannot be revoked (`resource.last_owner`): create another owner key first.")
            .AuthProblems(ErrorCodes.NotFound, ErrorCodes.RoleEscalation, ErrorCodes.LastOwner);
        keys.MapPost("/{id}/rotate", RotateKey).WithName("rotateKey").RequireAuthorization(Permissions.KeysWrite)
            .WithSummary("Rotate a key: a successor now, the old key until the grace period ends")
            .WithDescription("Returns the successor with its secret, once. The successor inherits the key's rotation schedule, counted from now.")
            .BodyProblems(ErrorCodes.NotFound, ErrorCodes.KeyNotActive, ErrorCodes.RoleEscalation).ShowsSecret();
        keys.MapGet("/{id}/successor-secret", TakeSuccessorSecret).WithName("takeSuccessorSecret").RequireAuthorization(Permissions.KeysWrite)
            .WithSummary("Fetch, once, the secret of the successor a scheduled rotation made")
            .WithDescription("`id` is the rotated (old) key, `old_key_id` of `key.rotated`. Answers the successor with its `key` exactly once; " +
                "afterwards, after the old key's grace period, once it is revoked, and for a manual rotation (whose answer showed the secret) it is " +
                "`resource.successor_secret_gone`. Keel holds the secret encrypted only until then. A key never rotated is `resource.conflict`.")
            .AuthProblems(ErrorCodes.NotFound, ErrorCodes.Conflict, ErrorCodes.SuccessorSecretGone, ErrorCodes.RoleEscalation, ErrorCodes.SecretUnreadable).ShowsSecret();
        keys.MapPost("/verify", VerifyKey).WithName("verifyKey").RequireAuthorization(Permissions.KeysVerify)
            .WithSummary("Verify a client key").WithDescription("200 for every well-formed request; `code` says why a key is not valid. Another tenant's key is `NOT_FOUND`.")
            .BodyProblems();
        return keys;
    }

    static async Task<Results<Created<CreatedKeyView>, ProblemHttpResult>> CreateKey(
        CreateKeyRequest body, TenantDb tenant, ClaimsPrincipal user, TimeProvider time, KeyChangeBus changes, Outbox outbox,
        IOptions<KeysOptions> options, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var kind = body.Kind ?? ApiKey.Client;
        var check = new Validation()
            .Require(kind is ApiKey.Client or ApiKey.Management, "kind", "kind must be 'client' or 'management'.")
            .Require(DisplayNames.IsDisplayable(body.Name) && body.Name!.Length <= 200, "name", $"name is required, at most 200 characters; it {DisplayNames.Rule}.")
            .Require(body.OwnerId is null || body.OwnerId.Length is > 0 and <= 200, "owner_id", "owner_id must be 1 to 200 characters.")
            .Require(body.ExpiresAt is null || body.ExpiresAt.Value.UtcDateTime > now, "expires_at", "expires_at must be in the future.");
        CheckScopes(check, body.Scopes);
        CheckMeta(check, body.Meta);
        CheckLimits(check, kind, body.PlanId, body.Rate, body.Quota);
        CheckCredits(check, kind, body.Remaining, body.Refill);
        RotationSchedules.Check(check, body.Rotation, RotationBounds(options));
        if (kind == ApiKey.Management)
        {
            check.Require(Roles.Exists(body.Role), "role", $"A management key needs a role: {string.Join(", ", Roles.Names)}.")
                .Require(body.Prefix is null, "prefix", "Management keys always start with 'keel_sk'.");
        }
        else
        {
            check.Require(body.Role is null, "role", "Only management keys have a role.")
                .Require(body.Prefix is null || KeyIssuer.IsValidPrefix(body.Prefix), "prefix",
                    "prefix is 1-20 lowercase letters and digits in words joined by '_', and may not start with 'keel'.");
        }
        if (check.Failed)
        {
            return check.Problem();
        }
        if (kind == ApiKey.Management && !CanGrant(user, body.Role!))
        {
            return Problems.Of(ErrorCodes.RoleEscalation, $"Your role cannot create a key with role '{body.Role}'.");
        }
        if (body.PlanId is not null && !await PlanOfTenantExists(tenant, body.PlanId, ct))
        {
            return NoSuchPlan();
        }
        var (key, secret) = KeyIssuer.Issue(tenant.TenantId, kind, body.Name!.Trim(), body.Prefix, body.Role, now,
            body.OwnerId, body.Scopes, body.Meta?.GetRawText(), body.ExpiresAt?.UtcDateTime);
        key.PlanId = body.PlanId;
        SetRate(key, body.Rate);
        SetQuota(key, body.Quota);
        key.Remaining = body.Remaining ?? body.Refill?.Amount;
        SetRefill(key, body.Refill, now);
        RotationSchedules.Apply(key, body.Rotation, RotationBounds(options), now);
        tenant.Db.Keys.Add(key);
        var view = KeyView.From(key, now);
        var staged = await outbox.StageAsync(tenant.Db, tenant.TenantId, EventTypeNames.KeyCreated, view, ct);
        await tenant.Db.SaveChangesAsync(ct);
        outbox.Wake(tenant.Db, staged);
        // A node may remember "no such key" for this hash (someone tried it before it existed).
        await changes.PublishAsync([key.Hash], ct);
        return TypedResults.Created($"/v1/keys/{key.Id}", new CreatedKeyView(view, secret));
    }

    static async Task<Ok<Page<KeyView>>> ListKeys(
        string? limit, string? cursor, string? owner_id, [AllowedValues(ApiKey.Client, ApiKey.Management)] string? kind, TenantDb tenant, TimeProvider time, CancellationToken ct)
    {
        var page = PageRequest.From(limit, cursor);
        if (kind is not null and not ApiKey.Client and not ApiKey.Management)
        {
            throw ProblemException.InvalidQuery(new() { ["kind"] = ["kind must be 'client' or 'management'."] });
        }
        var query = tenant.Keys.AsNoTracking();
        if (owner_id is not null)
        {
            query = query.Where(k => k.OwnerId == owner_id);
        }
        if (kind is not null)
        {
            query = query.Where(k => k.Kind == kind);
        }
        var now = time.GetUtcNow().UtcDateTime;
        return TypedResults.Ok(await query.ToPageAsync(page, k => KeyView.From(k, now), ct));
    }

    static async Task<Results<Ok<KeyView>, ProblemHttpResult>> GetKey(string id, TenantDb tenant, TimeProvider time, CancellationToken ct) =>
        await tenant.Keys.AsNoTracking().SingleOrDefaultAsync(k => k.Id == id, ct) is { } key
            ? TypedResults.Ok(KeyView.From(key, time.GetUtcNow().UtcDateTime))
            : Problems.NotFound("key");

    static async Task<Results<Ok<KeyView>, ProblemHttpResult>> UpdateKey(
        string id, UpdateKeyRequest body, TenantDb tenant, ClaimsPrincipal user, TimeProvider time, KeyChangeBus changes,
        IOptions<KeysOptions> options, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var check = new Validation()
            .Require(!body.Name.IsSet || (DisplayNames.IsDisplayable(body.Name.Value) && body.Name.Value!.Length <= 200), "name",
                $"name must be 1 to 200 characters; it {DisplayNames.Rule}.")
            .Require(!body.Scopes.IsSet || body.Scopes.Value is not null, "scopes", "scopes must be an array (send [] for none).")
            .Require(!body.ExpiresAt.IsSet || body.ExpiresAt.Value is null || body.ExpiresAt.Value.Value.UtcDateTime > now, "expires_at", "expires_at must be in the future, or null for no expiry.");
        CheckScopes(check, body.Scopes.Value);
        CheckMeta(check, body.Meta.Value);
        CheckLimits(check, ApiKey.Client, body.PlanId.Value, body.Rate.Value, body.Quota.Value);
        CheckCredits(check, ApiKey.Client, body.Remaining.Value, body.Refill.Value);
        RotationSchedules.Check(check, body.Rotation.Value, RotationBounds(options));
        if (check.Failed)
        {
            return check.Problem();
        }
        if (await tenant.Keys.SingleOrDefaultAsync(k => k.Id == id, ct) is not { } key)
        {
            return Problems.NotFound("key");
        }
        if ((body.PlanId.IsSet || body.Rate.IsSet || body.Quota.IsSet || body.Remaining.IsSet || body.Refill.IsSet) && key.Kind == ApiKey.Management)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["plan_id"] = ["Management keys are limited by their tenant's plan, not their own."] });
        }
        if (body.PlanId is { IsSet: true, Value: { } planId } && !await PlanOfTenantExists(tenant, planId, ct))
        {
            return NoSuchPlan();
        }
        if (Escalation(user, key, "change") is { } refused)
        {
            return refused;
        }
        if (key.StateAt(now) != KeyState.Active)
        {
            return Problems.Of(ErrorCodes.KeyNotActive, "A revoked or expired key cannot be changed.");
        }
        if (body.Rotation is { IsSet: true, Value: not null } && key.RotatedToId is not null)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["rotation"] = ["This key was rotated: its successor carries the schedule on; set it there."] });
        }
        if (body.Name.IsSet)
        {
            key.Name = body.Name.Value!.Trim();
        }
        if (body.Scopes.IsSet)
        {
            key.Scopes = body.Scopes.Value!;
        }
        if (body.Meta.IsSet)
        {
            key.Meta = body.Meta.Value?.GetRawText();
        }
        if (body.ExpiresAt.IsSet)
        {
            key.ExpiresAt = body.ExpiresAt.Value?.UtcDateTime;
            key.ExpiryNoticeAt = null; // a new expiry gets its own notice
        }
        if (body.PlanId.IsSet)
        {
            key.PlanId = body.PlanId.Value;
        }
        if (body.Remaining.IsSet)
        {
            key.Remaining = body.Remaining.Value;
        }
        if (body.Refill.IsSet)
        {
            SetRefill(key, body.Refill.Value, now);
        }
        if (key.Remaining is null && key.RefillInterval is not null)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["refill"] = ["A refill needs a balance: set remaining, or remove the refill."] });
        }
        if (body.Rate.IsSet)
        {
            SetRate(key, body.Rate.Value);
        }
        if (body.Quota.IsSet)
        {
            SetQuota(key, body.Quota.Value);
        }
        if (body.Rotation.IsSet)
        {
            RotationSchedules.Apply(key, body.Rotation.Value, RotationBounds(options), now);
        }
        key.UpdatedAt = now;
        await tenant.Db.SaveChangesAsync(ct);
        await changes.PublishAsync([key.Hash], ct);
        return TypedResults.Ok(KeyView.From(key, now));
    }

    static async Task<Results<NoContent, ProblemHttpResult>> RevokeKey(
        string id, TenantDb tenant, ClaimsPrincipal user, TimeProvider time, KeyChangeBus changes, Outbox outbox, CancellationToken ct)
    {
        if (await tenant.Keys.SingleOrDefaultAsync(k => k.Id == id, ct) is not { } key)
        {
            return Problems.NotFound("key");
        }
        if (Escalation(user, key, "revoke") is { } refused)
        {
            return refused;
        }
        if (key.RevokedAt is null)
        {
            var now = time.GetUtcNow().UtcDateTime;
            await using var tx = await tenant.Db.Database.BeginTransactionAsync(ct);
            if (OwnerKeys.IsActiveOwnerKey(key, now) && !await OwnerKeys.AnotherActiveAsync(tenant.Db, key, now, ct))
            {
                return Problems.Of(ErrorCodes.LastOwner);
            }
            key.RevokedAt = key.UpdatedAt = now;
            // A revoked key's grace is over: a successor secret nobody fetched goes with it.
            key.SuccessorSecret = null;
            var staged = await outbox.StageAsync(tenant.Db, tenant.TenantId, EventTypeNames.KeyRevoked, KeyView.From(key, now), ct);
            await tenant.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            outbox.Wake(tenant.Db, staged);
        }
        await changes.PublishAsync([key.Hash], ct);
        return TypedResults.NoContent();
    }

    static async Task<Results<Created<CreatedKeyView>, ProblemHttpResult>> RotateKey(
        string id, RotateKeyRequest? body, TenantDb tenant, ClaimsPrincipal user, TimeProvider time, KeyRotation rotation,
        IOptions<KeysOptions> options, CancellationToken ct)
    {
        var grace = body?.GracePeriodSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.Value.DefaultRotationGrace;
        var check = new Validation().Require(grace >= TimeSpan.Zero && grace <= MaxGrace, "grace_period_seconds",
            $"grace_period_seconds must be from 0 to {(int)MaxGrace.TotalSeconds}.");
        if (check.Failed)
        {
            return check.Problem();
        }
        if (await tenant.Keys.AsNoTracking().SingleOrDefaultAsync(k => k.Id == id, ct) is not { } old)
        {
            return Problems.NotFound("key");
        }
        if (Escalation(user, old, "rotate") is { } refused)
        {
            return refused;
        }
        if (old.StateAt(time.GetUtcNow().UtcDateTime) != KeyState.Active || old.RotatedToId is not null
            || await rotation.RotateAsync(tenant.Db, old, grace, scheduledFor: null, ct) is not { } rotated)
        {
            return Problems.Of(ErrorCodes.KeyNotActive, NotRotatable);
        }
        return TypedResults.Created($"/v1/keys/{rotated.Successor.Id}", new CreatedKeyView(rotated.Successor, rotated.Secret));
    }

    static async Task<Results<Ok<CreatedKeyView>, ProblemHttpResult>> TakeSuccessorSecret(
        string id, TenantDb tenant, ClaimsPrincipal user, TimeProvider time, KeyRotation rotation, CancellationToken ct)
    {
        if (await tenant.Keys.AsNoTracking().SingleOrDefaultAsync(k => k.Id == id, ct) is not { } old)
        {
            return Problems.NotFound("key");
        }
        if (Escalation(user, old, "fetch the successor of") is { } refused)
        {
            return refused;
        }
        if (old.RotatedToId is null)
        {
            return Problems.Of(ErrorCodes.Conflict, "This key was never rotated: it has no successor.");
        }
        string? secret;
        try
        {
            secret = await rotation.TakeSuccessorSecretAsync(tenant.Db, old, ct);
        }
        catch (CryptographicException)
        {
            // Left in place, unread: restoring the master key makes it fetchable again.
            return Problems.Of(ErrorCodes.SecretUnreadable);
        }
        if (secret is null)
        {
            return Problems.Of(ErrorCodes.SuccessorSecretGone);
        }
        var successor = await tenant.Keys.AsNoTracking().SingleAsync(k => k.Id == old.RotatedToId, ct);
        return TypedResults.Ok(new CreatedKeyView(KeyView.From(successor, time.GetUtcNow().UtcDateTime), secret));
    }

    // The hottest route: no TenantDb (no DbContext) here, the cache answers; the tenant comes from the claims.
    static async Task<Results<Ok<VerifyResult>, ProblemHttpResult>> VerifyKey(
        VerifyKeyRequest body, ClaimsPrincipal user, KeyVerifier verifier, CancellationToken ct)
    {
        var check = new Validation()
            .Require(!string.IsNullOrEmpty(body.Key) && body.Key.Length <= 512, "key", "key is required, at most 512 characters.")
            .Require(body.Cost is null or >= 0 and <= 1_000_000, "cost", "cost must be from 0 to 1000000.");
        CheckScopes(check, body.Scopes);
        if (check.Failed)
        {
            return check.Problem();
        }
        return TypedResults.Ok(await verifier.VerifyAsync(user.TenantId(), body.Key!, body.Scopes, ct, body.Cost ?? 1));
    }

    static bool CanGrant(ClaimsPrincipal user, string role) =>
        Roles.CanGrant(user.Permissions(), role);

    /// <summary>A management key may act on another only if that key's role can do nothing the caller cannot.</summary>
    static ProblemHttpResult? Escalation(ClaimsPrincipal user, ApiKey key, string verb) =>
        key.Role is { } role && !CanGrant(user, role)
            ? Problems.Of(ErrorCodes.RoleEscalation, $"Your role cannot {verb} a key with role '{role}'.")
            : null;

    static void CheckScopes(Validation check, List<string>? scopes) =>
        check.Require(scopes is null || (scopes.Count <= MaxScopes && scopes.All(s => s is { Length: > 0 and <= 100 })),
            "scopes", $"scopes is an array of at most {MaxScopes} non-empty strings of up to 100 characters.");

    static void CheckLimits(Validation check, string kind, string? planId, Limits.RateSpec? rate, KeyQuotaSpec? quota)
    {
        check.Require(kind == ApiKey.Client || (planId is null && rate is null && quota is null), "plan_id",
            "Only client keys have a plan or limits; management keys are limited by their tenant's plan.");
        Limits.RatePlansApi.CheckRate(check, rate);
        check.Require(quota is null || (quota.Period is "day" or "month" && quota.Limit is >= 1), "quota", "quota is {period: day|month, limit: 1 or more}.");
    }

    static void CheckCredits(Validation check, string kind, long? remaining, RefillSpec? refill) =>
        check.Require(kind == ApiKey.Client || (remaining is null && refill is null), "remaining", "Only client keys have credits.")
            .Require(remaining is null or (>= 0 and <= 1_000_000_000_000), "remaining", "remaining is 0 to 1000000000000.")
            .Require(refill is null || (refill.Interval is "day" or "month" && refill.Amount is >= 1 and <= 1_000_000_000_000), "refill",
                "refill is {interval: day|month, amount: 1 to 1000000000000}.");

    /// <summary>A new refill counts the current period as already refilled: the balance given now is this period's.</summary>
    static void SetRefill(ApiKey key, RefillSpec? refill, DateTime now)
    {
        key.RefillInterval = refill?.Interval;
        key.RefillAmount = refill?.Amount;
        key.RefilledAt = refill is null ? null : Limits.QuotaPeriods.Current(refill.Interval!, new DateTimeOffset(now)).Start.UtcDateTime;
    }

    static Task<bool> PlanOfTenantExists(TenantDb tenant, string planId, CancellationToken ct) =>
        tenant.Db.RatePlans.AnyAsync(p => p.Id == planId && p.TenantId == tenant.TenantId, ct);

    static ProblemHttpResult NoSuchPlan() => Problems.Validation(new Dictionary<string, string[]>
    {
        ["plan_id"] = ["plan_id must name one of this tenant's rate plans (GET /v1/rate-plans)."],
    });

    static void SetRate(ApiKey key, Limits.RateSpec? rate)
    {
        key.RateRequestsPerSecond = rate?.RequestsPerSecond;
        key.RateBurst = rate is null ? null : rate.Burst ?? (long)Math.Ceiling(rate.RequestsPerSecond!.Value);
    }

    static void SetQuota(ApiKey key, KeyQuotaSpec? quota)
    {
        key.QuotaPeriod = quota?.Period;
        key.QuotaLimit = quota?.Limit;
    }

    static void CheckMeta(Validation check, JsonElement? meta) =>
        check.Require(meta is null || (meta.Value.ValueKind == JsonValueKind.Object && meta.Value.GetRawText().Length <= MaxMetaBytes),
            "meta", $"meta must be a JSON object of at most {MaxMetaBytes} bytes.")
        .Require(meta is null || JsonDepth.IsWithin(meta.Value), "meta", $"meta nests at most {JsonDepth.MaxStored} levels deep.");
}
