using System.Security.Cryptography;
using NSec.Cryptography;

namespace Keel.Webhooks;

/// <summary>Endpoint signing secrets in Standard Webhooks' <c>whsec_{base64}</c> form.</summary>
internal static class WebhookSecret
{
    public const int MinBytes = 24;
    public const int MaxBytes = 64;

    const string SecretPrefix = "whsec_";
    const string PublicKeyPrefix = "whpk_";
    const int SeedBytes = 32;

    static ReadOnlySpan<byte> V1aInfo => "keel webhook v1a"u8;

    /// <summary><c>whsec_</c> and the standard base64 of <paramref name="bytes"/> random bytes.</summary>
    public static string Generate(int bytes = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, MinBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, MaxBytes);
        return Format(RandomNumberGenerator.GetBytes(bytes));
    }

    /// <summary>The <c>whsec_</c> form of raw secret bytes.</summary>
    public static string Format(ReadOnlySpan<byte> key) => SecretPrefix + Convert.ToBase64String(key);

    /// <summary>The key bytes of a <c>whsec_</c> secret of 24 to 64 bytes; false for anything else.</summary>
    public static bool TryParse(string? text, out byte[] key)
    {
        key = [];
        if (text is null || !text.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var base64 = text.AsSpan(SecretPrefix.Length);
        // Convert skips whitespace inside base64; a secret is one token, so refuse it rather than accept two spellings.
        if (base64.ContainsAny(" \t\r\n"))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[MaxBytes];
        if (!Convert.TryFromBase64Chars(base64, buffer, out var written) || written < MinBytes)
        {
            return false;
        }

        key = buffer[..written].ToArray();
        return true;
    }

    /// <summary>
    /// The public key a receiver uses to check <c>v1a</c> (Ed25519) signatures made with <paramref name="secret"/>.
    /// </summary>
    /// <remarks>
    /// Published contract, so receivers can derive it themselves: the Ed25519 private key seed is
    /// HKDF-SHA256 (RFC 5869) with IKM = the decoded secret bytes (the base64 after <c>whsec_</c>),
    /// no salt (treated as 32 zero bytes), info = the UTF-8 bytes of <c>keel webhook v1a</c>, and 32 bytes
    /// of output. The result is <c>whpk_</c> followed by the standard base64 of the 32-byte raw
    /// (RFC 8032) public key of that seed.
    /// </remarks>
    public static string PublicKey(ReadOnlySpan<byte> secret)
    {
        using var key = DeriveV1aKey(secret);
        return PublicKeyPrefix + Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The Ed25519 signing key for <c>v1a</c>, derived as <see cref="PublicKey"/> documents.</summary>
    internal static Key DeriveV1aKey(ReadOnlySpan<byte> secret)
    {
        ThrowIfInvalidLength(secret);
        Span<byte> seed = stackalloc byte[SeedBytes];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, seed, salt: [], V1aInfo);
            return Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    // A short or empty key would make every signature forgeable; never sign with one.
    internal static void ThrowIfInvalidLength(ReadOnlySpan<byte> secret)
    {
        if (secret.Length is < MinBytes or > MaxBytes)
        {
            throw new ArgumentException($"A webhook secret is {MinBytes} to {MaxBytes} bytes, not {secret.Length}.", nameof(secret));
        }
    }
}
