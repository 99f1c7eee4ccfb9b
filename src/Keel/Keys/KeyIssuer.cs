using System.Text.RegularExpressions;
using Keel.Http;
using Keel.Storage;

namespace Keel.Keys;

/// <summary>Mints keys: the secret (returned once), and the row that keeps only its hash.</summary>
public static partial class KeyIssuer
{
    public const string ManagementPrefix = "keel_sk";
    public const string DefaultClientPrefix = "key";
    const int StartChars = 4;

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex PrefixPattern();

    public static bool IsValidPrefix(string prefix) =>
        prefix.Length <= 20 && PrefixPattern().IsMatch(prefix) && !prefix.StartsWith("keel", StringComparison.Ordinal);

    /// <summary>
    /// The prefix of a presented key when it has the shape of a Keel key (a valid prefix, '_', then exactly the
    /// random part's characters), else null. Only then is the part before the last '_' known to be no secret.
    /// </summary>
    public static string? PrefixOf(string presented) => HasKeyShape(presented) ? presented[..presented.LastIndexOf('_')] : null;

    /// <summary>Whether <paramref name="presented"/> could be a key Keel issued (<see cref="PrefixOf"/>, without allocating).</summary>
    public static bool HasKeyShape(string presented)
    {
        var cut = presented.LastIndexOf('_');
        if (cut <= 0 || !BearerSecrets.IsRandomPart(presented.AsSpan(cut + 1)))
        {
            return false;
        }
        var prefix = presented.AsSpan(0, cut);
        return prefix.Length <= 32 && PrefixPattern().IsMatch(prefix);
    }

    /// <summary>Whether <paramref name="presented"/> could be a management key: <c>keel_sk_</c> and the random part.</summary>
    public static bool IsManagementKeyShape(string presented) =>
        presented.StartsWith(ManagementPrefix + "_", StringComparison.Ordinal)
        && BearerSecrets.IsRandomPart(presented.AsSpan(ManagementPrefix.Length + 1));

    public static (ApiKey Key, string Secret) Issue(
        string tenantId, string kind, string name, string? prefix, string? role, DateTime now,
        string? ownerId = null, List<string>? scopes = null, string? meta = null, DateTime? expiresAt = null,
        string? rotatedFromId = null)
    {
        prefix = kind == ApiKey.Management ? ManagementPrefix : prefix ?? DefaultClientPrefix;
        var secret = BearerSecrets.New(prefix);
        var key = new ApiKey
        {
            Id = Ids.New("key"),
            TenantId = tenantId,
            Kind = kind,
            Name = name,
            Prefix = prefix,
            Start = secret[..(prefix.Length + 1 + StartChars)],
            Hash = BearerSecrets.Hash(secret),
            OwnerId = ownerId,
            Role = kind == ApiKey.Management ? role : null,
            Scopes = scopes ?? [],
            Meta = meta,
            ExpiresAt = expiresAt,
            CreatedAt = now,
            UpdatedAt = now,
            RotatedFromId = rotatedFromId,
        };
        return (key, secret);
    }
}
