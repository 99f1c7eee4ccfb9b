namespace Keel.Http;

/// <summary>
/// The error catalog. Every non-2xx answer names one of these codes; <c>GET /v1/errors</c> lists them
/// and docs/errors.md is generated from this list (<c>keel errors-doc</c>). Codes are part of the
/// contract: add new ones freely, never rename or reuse one.
/// </summary>
public static class ErrorCodes
{
    public static readonly ErrorCode MissingCredentials = new("auth.missing_credentials", 401, "Missing credentials",
        "The request has no `Authorization: Bearer <secret>` header. Every `/v1` route except the catalog needs one.");
    public static readonly ErrorCode InvalidCredentials = new("auth.invalid_credentials", 401, "Invalid credentials",
        "The bearer secret is malformed, unknown, or a client key (client keys are verified through Keel, they do not call its API).");
    public static readonly ErrorCode KeyRevoked = new("auth.key_revoked", 401, "Key revoked",
        "The management key was revoked (or its tenant deleted). Use another key.");
    public static readonly ErrorCode KeyExpired = new("auth.key_expired", 401, "Key expired",
        "The management key is past its `expires_at` (or the grace period of a rotation ended).");
    public static readonly ErrorCode Forbidden = new("auth.forbidden", 403, "Permission missing",
        "The credential is valid but its role lacks the permission the route requires; `missing_permission` names it.");
    public static readonly ErrorCode RoleEscalation = new("auth.role_escalation", 403, "Role above your own",
        "A management key may only create keys whose role has no permission the caller lacks.");

    public static readonly ErrorCode ValidationFailed = new("validation.failed", 400, "Validation failed",
        "One or more fields are invalid; `errors` maps each field to its messages.");
    public static readonly ErrorCode MalformedJson = new("validation.malformed_json", 400, "Malformed JSON",
        "The body is not valid JSON. `detail` gives the position of the first error.");
    public static readonly ErrorCode InvalidType = new("validation.invalid_type", 400, "Wrong JSON type",
        "A field has the wrong JSON type (for example a string where a number is expected); `errors` names it.");
    public static readonly ErrorCode UnknownField = new("validation.unknown_field", 400, "Unknown field",
        "The body has a field this route does not accept. Keel rejects unknown fields rather than ignoring a typo.");
    public static readonly ErrorCode BodyRequired = new("validation.body_required", 400, "Body required",
        "The route needs a JSON body and the request had none.");
    public static readonly ErrorCode InvalidQuery = new("validation.invalid_query", 400, "Invalid query parameter",
        "A query parameter (such as `limit` or `cursor`) is invalid; `errors` names it.");
    public static readonly ErrorCode UnsupportedMediaType = new("validation.unsupported_media_type", 415, "Unsupported media type",
        "Bodies must be sent as `Content-Type: application/json`.");
    public static readonly ErrorCode BodyTooLarge = new("validation.body_too_large", 413, "Body too large",
        "The body is larger than `Http:MaxRequestBodyBytes` (default 1 MiB).");
    public static readonly ErrorCode BadRequest = new("validation.bad_request", 400, "Bad request",
        "The request could not be read (a broken header, an invalid parameter).");
    public static readonly ErrorCode MalformedRequest = new("validation.malformed_request", 400, "Malformed request",
        "The request line or a header is not valid HTTP/1.1, so the server refused it before Keel read it, and closed the connection. " +
        "`trace_id` is the connection id, which the server's log names.");
    public static readonly ErrorCode UriTooLong = new("validation.uri_too_long", 414, "Request line too long",
        "The request line (method, path and query) is longer than `Kestrel:Limits:MaxRequestLineSize` (8 KiB by default).");
    public static readonly ErrorCode HeadersTooLarge = new("validation.headers_too_large", 431, "Headers too large",
        "The request headers are larger than `Kestrel:Limits:MaxRequestHeadersTotalSize` (32 KiB by default) " +
        "or more than `Kestrel:Limits:MaxRequestHeaderCount` (100) fields.");
    public static readonly ErrorCode RequestTimeout = new("validation.request_timeout", 408, "Request timeout",
        "The request headers did not arrive within `Kestrel:Limits:RequestHeadersTimeout` (30 s by default); the connection was closed.");
    public static readonly ErrorCode HttpVersionNotSupported = new("validation.http_version_not_supported", 505, "HTTP version not supported",
        "The request line names an HTTP version Keel does not speak. Use HTTP/1.1.");

    public static readonly ErrorCode NotFound = new("resource.not_found", 404, "Not found",
        "No such resource for this tenant. Another tenant's resource is reported exactly like a missing one.");
    public static readonly ErrorCode RouteNotFound = new("resource.route_not_found", 404, "No such route",
        "No route matches the path. See `/openapi/v1.json` for the routes Keel serves.");
    public static readonly ErrorCode MethodNotAllowed = new("resource.method_not_allowed", 405, "Method not allowed",
        "The route exists but not for this HTTP method; the `Allow` header lists the methods it takes.");
    public static readonly ErrorCode Conflict = new("resource.conflict", 409, "Conflict",
        "The change conflicts with the current state (for example a slug already taken).");
    public static readonly ErrorCode KeyNotActive = new("resource.key_not_active", 409, "Key not active",
        "The key is revoked or expired and cannot be rotated or changed.");
    public static readonly ErrorCode LastOwner = new("resource.last_owner", 409, "Last owner key",
        "The key is the tenant's last active owner key, and a tenant always keeps one. Create another owner key first; " +
        "a tenant that lost every owner key's secret gets a new one from the platform admin (`POST /v1/tenants/{id}/owner-keys`).");
    public static readonly ErrorCode SuccessorSecretGone = new("resource.successor_secret_gone", 410, "Successor secret gone",
        "Keel no longer holds the secret of this key's successor: it was fetched already (it is given out once), the old key's grace " +
        "period ended or the old key was revoked, or the key was rotated by hand (that answer showed the secret). Rotate the successor to get a new secret.");
    public static readonly ErrorCode LimitReached = new("resource.limit_reached", 409, "Tenant limit reached",
        "The tenant already holds as many of these as its cap allows (webhook endpoints, event types, rate-limit buckets; " +
        "`Tenants:Max*`); `limit` gives the cap. Remove some (idle rate-limit buckets go by themselves once full again) or ask the operator to raise it.");

    public static readonly ErrorCode DestinationForbidden = new("webhooks.destination_forbidden", 400, "Destination forbidden",
        "The endpoint URL points into a range Keel never sends to (loopback, private, link-local such as 169.254.169.254, CGNAT, " +
        "multicast, reserved, IPv6 unique-local or link-local, or an IPv4-mapped, NAT64 or 6to4 form of one; IPv4-compatible, SIIT, Teredo " +
        "and local-use NAT64 addresses). `Webhooks:AllowedNetworks` opens chosen ranges. A name that resolves into such a range fails its " +
        "attempts with this code; the attempt names the kind of address, not the address.");
    public static readonly ErrorCode PayloadInvalid = new("webhooks.payload_invalid", 400, "Payload does not match its schema",
        "The event's payload does not conform to the JSON Schema of its event type; `errors` lists the violations by JSON pointer.");

    public static readonly ErrorCode RateLimitExceeded = new("ratelimit.exceeded", 429, "Rate limit exceeded",
        "The tenant's plan allows fewer calls per second. `Retry-After` says when to try again; `RateLimit` and `RateLimit-Policy` describe the limit.");
    public static readonly ErrorCode RateLimitUnavailable = new("ratelimit.unavailable", 429, "Rate limit cannot be checked",
        "Redis, which keeps the limits, does not answer and the plan fails closed (`fail_open: false`). Retry shortly.");
    public static readonly ErrorCode QuotaExceeded = new("quota.exceeded", 429, "Quota exhausted",
        "The plan's quota for this period is used up and it has a hard cap. `Retry-After` is the start of the next period.");

    public static readonly ErrorCode InternalError = new("server.internal_error", 500, "Internal error",
        "Keel failed on its side. The `trace_id` finds the log entry; nothing was changed unless the response says so.");
    public static readonly ErrorCode SecretUnreadable = new("server.secret_unreadable", 500, "Stored secret unreadable",
        "A secret Keel keeps sealed does not open under this node's master key (`Keel:MasterKey` changed or the row is damaged). " +
        "Nothing was changed or consumed; the operator must restore the key the secret was sealed under.");
    public static readonly ErrorCode Unavailable = new("server.unavailable", 503, "Unavailable",
        "A dependency (the database, Redis) is unreachable. Retry with backoff.");

    /// <summary>Every code, in catalog order.</summary>
    public static readonly IReadOnlyList<ErrorCode> All =
    [
        MissingCredentials, InvalidCredentials, KeyRevoked, KeyExpired, Forbidden, RoleEscalation,
        ValidationFailed, MalformedJson, InvalidType, UnknownField, BodyRequired, InvalidQuery,
        UnsupportedMediaType, BodyTooLarge, BadRequest, MalformedRequest, UriTooLong, HeadersTooLarge, RequestTimeout, HttpVersionNotSupported,
        NotFound, RouteNotFound, MethodNotAllowed, Conflict, KeyNotActive, LastOwner, SuccessorSecretGone, LimitReached,
        DestinationForbidden, PayloadInvalid,
        RateLimitExceeded, RateLimitUnavailable, QuotaExceeded,
        InternalError, SecretUnreadable, Unavailable,
    ];

    static readonly Dictionary<string, ErrorCode> ByCode = All.ToDictionary(e => e.Code);

    public static ErrorCode? Find(string code) => ByCode.GetValueOrDefault(code);
}
