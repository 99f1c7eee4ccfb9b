using Keel.Events;
using Keel.Http;
using Keel.Jobs;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

public static class EndpointsApi
{
    const int MaxEventTypeFilters = 100;
    const int MaxRatePerSecond = 10_000;
    static readonly TimeSpan MaxGrace = TimeSpan.FromDays(7);

    static RotationLimits RotationBounds(IOptions<WebhooksOptions> options) => new(MaxGrace, options.Value.DefaultSecretGrace);

    public static RouteGroupBuilder MapEndpointsApi(this IEndpointRouteBuilder app)
    {
        var endpoints = app.MapGroup("/v1/webhooks/endpoints").WithTags("Webhooks");
        endpoints.MapPost("/", CreateEndpoint).WithName("createEndpoint").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Create an endpoint").WithDescription(
                "Returns its signing secret once, in `secret`. `event_types` takes exact names and `prefix.*` wildcards (absent: every type); " +
                "`signature_versions` any of `v1` (HMAC-SHA256, Standard Webhooks), `v2` (HMAC-SHA512), `v1a` (Ed25519, checked with `public_keys`). " +
                "A literal address in a forbidden range (loopback, private, link-local, ...) is refused; a name is checked when it is resolved, at every attempt. " +
                "`rotation: {every_days, grace_period_seconds?, notify_days_before?}` rotates the secret in place every `every_days` days: " +
                "`endpoint.secret_rotation_due` ahead (`notify_days_before`, 0 or absent: none), `endpoint.secret_rotated` at the rotation, " +
                "signatures of the old and the new secret during the grace, and the new secret at `GET /v1/webhooks/endpoints/{id}/secret`. " +
                "A disabled endpoint's scheduled rotation waits until it is enabled again. A tenant holds at most `Tenants:MaxWebhookEndpoints` " +
                "endpoints (`resource.limit_reached`), which also bounds the deliveries of one event.")
            .BodyProblems(ErrorCodes.DestinationForbidden, ErrorCodes.LimitReached).ShowsSecret();
        endpoints.MapGet("/", ListEndpoints).WithName("listEndpoints").RequireAuthorization(Permissions.WebhooksRead)
            .WithSummary("List endpoints, newest first").AuthProblems(ErrorCodes.InvalidQuery);
        endpoints.MapGet("/{id}", GetEndpoint).WithName("getEndpoint").RequireAuthorization(Permissions.WebhooksRead)
            .WithSummary("Get an endpoint (never its secret)").AuthProblems(ErrorCodes.NotFound);
        endpoints.MapPatch("/{id}", UpdateEndpoint).WithName("updateEndpoint").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Change an endpoint").WithDescription("Absent fields stay as they are. `enabled: true` re-enables a disabled endpoint; its waiting deliveries go out. " +
                "`rotation: null` removes the secret's rotation schedule; a new `rotation` counts from now.")
            .BodyProblems(ErrorCodes.NotFound, ErrorCodes.DestinationForbidden);
        endpoints.MapDelete("/{id}", DeleteEndpoint).WithName("deleteEndpoint").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Delete an endpoint with its deliveries").AuthProblems(ErrorCodes.NotFound);
        endpoints.MapPost("/{id}/secret/rotate", RotateSecret).WithName("rotateEndpointSecret").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Rotate the signing secret").WithDescription(
                "Returns the new secret once. The old one keeps signing beside it for `grace_period_seconds` (default 24 h, at most 7 days); " +
                "at most 10 old secrets stay live, the oldest are dropped first. Publishes `endpoint.secret_rotated`; a rotation schedule restarts from now.")
            .BodyProblems(ErrorCodes.NotFound).ShowsSecret();
        endpoints.MapGet("/{id}/secret", GetSecret).WithName("getEndpointSecret").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Get the current signing secret").WithDescription(
                "The secret deliveries are signed with now (`whsec_` + base64), for receivers to pick up after a scheduled rotation. " +
                "Needs `webhooks:write`, like the calls that show a secret.")
            .AuthProblems(ErrorCodes.NotFound, ErrorCodes.SecretUnreadable).ShowsSecret();
        return endpoints;
    }

    static async Task<Results<Created<EndpointWithSecretView>, ProblemHttpResult>> CreateEndpoint(
        CreateEndpointRequest body, TenantDb tenant, TimeProvider time, WebhookNetworkPolicy network, SecretKeeper keeper,
        IOptions<WebhooksOptions> options, IOptions<TenantsOptions> tenants, CancellationToken ct)
    {
        var check = new Validation();
        RotationSchedules.Check(check, body.Rotation, RotationBounds(options));
        CheckEventTypes(check, body.EventTypes);
        CheckVersions(check, body.SignatureVersions);
        CheckRate(check, body.RateLimitPerSecond);
        CheckDescription(check, body.Description);
        var urlProblem = CheckUrl(check, network, body.Url);
        if (check.Failed)
        {
            return check.Problem();
        }
        if (urlProblem is not null)
        {
            return urlProblem;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var endpoint = new WebhookEndpoint
        {
            Id = Ids.New("ep"),
            TenantId = tenant.TenantId,
            Url = body.Url!,
            Description = body.Description,
            EventTypes = body.EventTypes?.Distinct().ToList(),
            SignatureVersions = body.SignatureVersions?.Distinct().ToList() ?? [SignatureVersions.V1],
            RateLimitPerSecond = body.RateLimitPerSecond,
            Ordered = body.Ordered ?? false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        RotationSchedules.Apply(endpoint, body.Rotation, RotationBounds(options), now);
        var (secretRow, secret) = keeper.Issue(tenant.TenantId, endpoint.Id, now);
        tenant.Db.Endpoints.Add(endpoint);
        tenant.Db.EndpointSecrets.Add(secretRow);
        var cap = tenants.Value.MaxWebhookEndpoints;
        if (!await tenant.SaveWithinCapAsync(tenant.Endpoints, "webhook_endpoints", cap, ct))
        {
            return Problems.LimitReached("webhook endpoints", cap);
        }
        return TypedResults.Created($"/v1/webhooks/endpoints/{endpoint.Id}",
            new EndpointWithSecretView(EndpointView.From(endpoint, [secretRow.PublicKey]), secret));
    }

    static async Task<Ok<Page<EndpointView>>> ListEndpoints(string? limit, string? cursor, TenantDb tenant, TimeProvider time, CancellationToken ct)
    {
        var page = await tenant.Endpoints.AsNoTracking().ToPageAsync(PageRequest.From(limit, cursor), e => e, ct);
        var keys = await PublicKeysAsync(tenant, [.. page.Data.Select(e => e.Id)], time, ct);
        return TypedResults.Ok(new Page<EndpointView>(
            [.. page.Data.Select(e => EndpointView.From(e, keys.GetValueOrDefault(e.Id) ?? []))], page.NextCursor));
    }

    static async Task<Results<Ok<EndpointView>, ProblemHttpResult>> GetEndpoint(string id, TenantDb tenant, TimeProvider time, CancellationToken ct) =>
        await tenant.Endpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct) is { } endpoint
            ? TypedResults.Ok(await ViewAsync(tenant, endpoint, time, ct))
            : Problems.NotFound("endpoint");

    static async Task<Results<Ok<EndpointView>, ProblemHttpResult>> UpdateEndpoint(
        string id, UpdateEndpointRequest body, TenantDb tenant, TimeProvider time, WebhookNetworkPolicy network,
        IOptions<WebhooksOptions> options, CancellationToken ct)
    {
        var check = new Validation()
            .Require(!body.SignatureVersions.IsSet || body.SignatureVersions.Value is not null, "signature_versions", "signature_versions must be a non-empty array.")
            .Require(!body.Ordered.IsSet || body.Ordered.Value is not null, "ordered", "ordered must be true or false.")
            .Require(!body.Enabled.IsSet || body.Enabled.Value is not null, "enabled", "enabled must be true or false.");
        CheckEventTypes(check, body.EventTypes.Value);
        CheckVersions(check, body.SignatureVersions.Value);
        CheckRate(check, body.RateLimitPerSecond.Value);
        CheckDescription(check, body.Description.Value);
        RotationSchedules.Check(check, body.Rotation.Value, RotationBounds(options));
        var urlProblem = body.Url.IsSet ? CheckUrl(check, network, body.Url.Value) : null;
        if (check.Failed)
        {
            return check.Problem();
        }
        if (urlProblem is not null)
        {
            return urlProblem;
        }
        if (await tenant.Endpoints.SingleOrDefaultAsync(e => e.Id == id, ct) is not { } endpoint)
        {
            return Problems.NotFound("endpoint");
        }
        var now = time.GetUtcNow().UtcDateTime;
        if (body.Url.IsSet)
        {
            endpoint.Url = body.Url.Value!;
        }
        if (body.EventTypes.IsSet)
        {
            endpoint.EventTypes = body.EventTypes.Value?.Distinct().ToList();
        }
        if (body.Description.IsSet)
        {
            endpoint.Description = body.Description.Value;
        }
        if (body.SignatureVersions.IsSet)
        {
            endpoint.SignatureVersions = [.. body.SignatureVersions.Value!.Distinct()];
        }
        if (body.RateLimitPerSecond.IsSet)
        {
            endpoint.RateLimitPerSecond = body.RateLimitPerSecond.Value;
        }
        if (body.Ordered.IsSet)
        {
            endpoint.Ordered = body.Ordered.Value!.Value;
        }
        if (body.Enabled.IsSet)
        {
            if (body.Enabled.Value == true && !endpoint.Enabled)
            {
                // A fresh start: the failure clock restarts, so it is not disabled again at its first failure.
                endpoint.DisabledAt = null;
                endpoint.DisabledReason = null;
                endpoint.FailingSince = null;
            }
            else if (body.Enabled.Value == false && endpoint.Enabled)
            {
                endpoint.DisabledAt = now;
                endpoint.DisabledReason = "Disabled through the API.";
            }
        }
        if (body.Rotation.IsSet)
        {
            RotationSchedules.Apply(endpoint, body.Rotation.Value, RotationBounds(options), now);
        }
        endpoint.UpdatedAt = now;
        await tenant.Db.SaveChangesAsync(ct);
        return TypedResults.Ok(await ViewAsync(tenant, endpoint, time, ct));
    }

    static async Task<Results<NoContent, ProblemHttpResult>> DeleteEndpoint(string id, TenantDb tenant, CancellationToken ct) =>
        await tenant.Endpoints.Where(e => e.Id == id).ExecuteDeleteAsync(ct) > 0
            ? TypedResults.NoContent()
            : Problems.NotFound("endpoint");

    static async Task<Results<Ok<EndpointWithSecretView>, ProblemHttpResult>> RotateSecret(
        string id, RotateSecretRequest? body, TenantDb tenant, TimeProvider time, SecretRotation rotation,
        IOptions<WebhooksOptions> options, CancellationToken ct)
    {
        var grace = body?.GracePeriodSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.Value.DefaultSecretGrace;
        var check = new Validation().Require(grace >= TimeSpan.Zero && grace <= MaxGrace, "grace_period_seconds",
            $"grace_period_seconds must be from 0 to {(int)MaxGrace.TotalSeconds}.");
        if (check.Failed)
        {
            return check.Problem();
        }
        if (await tenant.Endpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct) is not { } endpoint
            || await rotation.RotateAsync(tenant.Db, endpoint, grace, scheduledFor: null, ct) is not { } secret)
        {
            return Problems.NotFound("endpoint");
        }
        return TypedResults.Ok(new EndpointWithSecretView(await ViewAsync(tenant, endpoint, time, ct), secret));
    }

    static async Task<Results<Ok<EndpointSecretView>, ProblemHttpResult>> GetSecret(
        string id, TenantDb tenant, SecretKeeper keeper, CancellationToken ct)
    {
        // The current secret is the one without an expiry; the newest, should a rotation have raced another.
        if (await tenant.EndpointSecrets.AsNoTracking().Where(s => s.EndpointId == id && s.ExpiresAt == null)
            .OrderByDescending(s => s.Id).FirstOrDefaultAsync(ct) is not { } row)
        {
            return Problems.NotFound("endpoint");
        }
        return keeper.TryReveal(row) is { } secret
            ? TypedResults.Ok(new EndpointSecretView(secret, row.CreatedAt))
            : Problems.Of(ErrorCodes.SecretUnreadable);
    }

    static async Task<EndpointView> ViewAsync(TenantDb tenant, WebhookEndpoint endpoint, TimeProvider time, CancellationToken ct) =>
        EndpointView.From(endpoint, (await PublicKeysAsync(tenant, [endpoint.Id], time, ct)).GetValueOrDefault(endpoint.Id) ?? []);

    static async Task<Dictionary<string, List<string>>> PublicKeysAsync(TenantDb tenant, List<string> endpointIds, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var rows = await tenant.EndpointSecrets.AsNoTracking()
            .Where(s => endpointIds.Contains(s.EndpointId) && (s.ExpiresAt == null || s.ExpiresAt > now))
            .Select(s => new { s.EndpointId, s.Id, s.PublicKey })
            .ToListAsync(ct);
        return rows.GroupBy(r => r.EndpointId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.Id, StringComparer.Ordinal).Select(r => r.PublicKey).ToList());
    }

    /// <summary>Field errors go into <paramref name="check"/>; a forbidden destination is its own problem.</summary>
    static ProblemHttpResult? CheckUrl(Validation check, WebhookNetworkPolicy network, string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            check.Require(false, "url", "url is required.");
            return null;
        }
        var result = network.CheckUrl(url);
        if (result.Ok)
        {
            return null;
        }
        if (result.Code == ErrorCodes.DestinationForbidden.Code)
        {
            return Problems.Of(ErrorCodes.DestinationForbidden, result.Message);
        }
        check.Require(false, "url", result.Message ?? "url is not a valid destination.");
        return null;
    }

    static void CheckEventTypes(Validation check, List<string>? filters) =>
        check.Require(filters is null || (filters.Count is > 0 and <= MaxEventTypeFilters && filters.All(EventTypeNames.IsValidFilter)), "event_types",
            $"event_types is 1 to {MaxEventTypeFilters} names (invoice.paid) or wildcards (invoice.*, *); leave it out for every type.");

    static void CheckVersions(Validation check, List<string>? versions) =>
        check.Require(versions is null || (versions.Count > 0 && versions.All(SignatureVersions.IsKnown)), "signature_versions",
            $"signature_versions is a non-empty array of {string.Join(", ", SignatureVersions.All)}.");

    static void CheckRate(Validation check, int? rate) =>
        check.Require(rate is null or (>= 1 and <= MaxRatePerSecond), "rate_limit_per_second",
            $"rate_limit_per_second must be from 1 to {MaxRatePerSecond}, or null for no limit.");

    static void CheckDescription(Validation check, string? description) =>
        check.Require(description is null or "" || (description.Length <= 500 && DisplayNames.IsDisplayable(description)), "description",
            $"description is at most 500 characters; unless empty it {DisplayNames.Rule}.");
}
