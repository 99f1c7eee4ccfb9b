using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Keel.Http;
using Keel.Jobs;

namespace Keel.Webhooks;

public sealed record CreateEndpointRequest(
    [property: Required, Url] string? Url, List<string>? EventTypes, string? Description,
    [property: AllowedValues(Keel.Webhooks.SignatureVersions.V1, Keel.Webhooks.SignatureVersions.V2, Keel.Webhooks.SignatureVersions.V1a)] List<string>? SignatureVersions,
    int? RateLimitPerSecond, bool? Ordered, RotationSpec? Rotation);

public sealed record UpdateEndpointRequest(
    [property: Url] PatchField<string> Url, PatchField<List<string>?> EventTypes, PatchField<string?> Description,
    [property: AllowedValues(Keel.Webhooks.SignatureVersions.V1, Keel.Webhooks.SignatureVersions.V2, Keel.Webhooks.SignatureVersions.V1a)] PatchField<List<string>> SignatureVersions,
    PatchField<int?> RateLimitPerSecond, [property: NullRefused] PatchField<bool?> Ordered, [property: NullRefused] PatchField<bool?> Enabled,
    PatchField<RotationSpec?> Rotation);

public sealed record RotateSecretRequest(int? GracePeriodSeconds);

/// <summary>An endpoint as every read shows it: never a secret.</summary>
public record EndpointView
{
    public string Id { get; init; } = "";
    [Url]
    public string Url { get; init; } = "";
    public string? Description { get; init; }
    /// <summary>Null: every event type.</summary>
    public IReadOnlyList<string>? EventTypes { get; init; }
    [AllowedValues(Keel.Webhooks.SignatureVersions.V1, Keel.Webhooks.SignatureVersions.V2, Keel.Webhooks.SignatureVersions.V1a)]
    public IReadOnlyList<string> SignatureVersions { get; init; } = [];
    public int? RateLimitPerSecond { get; init; }
    public bool Ordered { get; init; }
    public bool Enabled { get; init; }
    public DateTime? DisabledAt { get; init; }
    public string? DisabledReason { get; init; }
    public DateTime? FailingSince { get; init; }
    /// <summary>Ed25519 public keys (<c>whpk_</c>) of the live secrets, to check <c>v1a</c> signatures; current first.</summary>
    public IReadOnlyList<string> PublicKeys { get; init; } = [];
    /// <summary>The signing secret's rotation schedule and the next scheduled rotation; null when it has none.</summary>
    public RotationView? Rotation { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    public static EndpointView From(WebhookEndpoint e, IReadOnlyList<string> publicKeys) => new()
    {
        Id = e.Id,
        Url = e.Url,
        Description = e.Description,
        EventTypes = e.EventTypes,
        SignatureVersions = e.SignatureVersions,
        RateLimitPerSecond = e.RateLimitPerSecond,
        Ordered = e.Ordered,
        Enabled = e.Enabled,
        DisabledAt = e.DisabledAt,
        DisabledReason = e.DisabledReason,
        FailingSince = e.FailingSince,
        PublicKeys = publicKeys,
        Rotation = RotationSchedules.View(e),
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.UpdatedAt,
    };
}

/// <summary>The answer to a create or a secret rotation: the only time the secret is shown.</summary>
public sealed record EndpointWithSecretView : EndpointView
{
    public EndpointWithSecretView(EndpointView view, string secret) : base(view) => Secret = secret;

    /// <summary><c>whsec_</c> + base64. Shown once; Keel keeps it encrypted.</summary>
    [JsonPropertyOrder(-1)]
    public string Secret { get; }
}

/// <summary>An endpoint's current signing secret, for receivers to pick up after a scheduled rotation.</summary>
public sealed record EndpointSecretView(string Secret, DateTime CreatedAt);

/// <summary>
/// The payload of <c>endpoint.secret_rotated</c>. Never the secret: receivers fetch it with
/// <c>GET /v1/webhooks/endpoints/{id}/secret</c>; until <c>previous_secret_expires_at</c> deliveries carry signatures of both.
/// </summary>
public sealed record SecretRotatedPayload(string EndpointId, DateTime RotatedAt, DateTime PreviousSecretExpiresAt, bool Scheduled, RotationView? Rotation);

/// <summary>The payload of <c>endpoint.secret_rotation_due</c>.</summary>
public sealed record SecretRotationDuePayload(string EndpointId, string Url, RotationView Rotation);
