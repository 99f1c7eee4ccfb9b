namespace Keel.Webhooks;

/// <summary>The signature schemes a webhook endpoint can ask for, as they appear in <c>webhook-signature</c>.</summary>
internal static class SignatureVersions
{
    /// <summary>HMAC-SHA256 over the signed content: Standard Webhooks' own scheme.</summary>
    public const string V1 = "v1";

    /// <summary>HMAC-SHA512 over the same content.</summary>
    public const string V2 = "v2";

    /// <summary>Ed25519 with a key derived from the endpoint secret; see <see cref="WebhookSecret.PublicKey"/>.</summary>
    public const string V1a = "v1a";

    public static IReadOnlyList<string> All { get; } = [V1, V2, V1a];

    public static bool IsKnown(string version) => version is V1 or V2 or V1a;
}
