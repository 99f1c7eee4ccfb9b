using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Keel.Webhooks;

/// <summary>Builds the Standard Webhooks <c>webhook-signature</c> header for one delivery.</summary>
internal static class WebhookSigner
{
    // Ed25519 and HMAC-SHA512 both give 64 bytes, the largest of the three.
    const int MaxSignatureBytes = 64;

    /// <summary>
    /// Space-separated <c>{version},{base64}</c> entries, one per secret and version, secrets in the
    /// given order and versions in the given order within each. Every entry signs the UTF-8 bytes of
    /// <c>{messageId}.{timestamp}.</c> followed by <paramref name="body"/>.
    /// </summary>
    public static string Sign(
        string messageId, long timestamp, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> secrets, IReadOnlyList<string> versions)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(versions);
        // An empty header would reach receivers as "unsigned", which they must reject anyway.
        ArgumentOutOfRangeException.ThrowIfZero(secrets.Count);
        ArgumentOutOfRangeException.ThrowIfZero(versions.Count);

        // "{id}.{timestamp}." needs at most the id, two dots and 20 characters for a long.
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(messageId.Length) + 22 + body.Length);
        try
        {
            var content = WriteSignedContent(buffer, messageId, timestamp, body);
            // The longest entry is "v1a," and 88 base64 characters, then a space.
            var header = new StringBuilder(secrets.Count * versions.Count * 93);
            Span<byte> signature = stackalloc byte[MaxSignatureBytes];
            Span<char> base64 = stackalloc char[MaxSignatureBytes * 4 / 3 + 4];
            // Indexed loops: foreach over IReadOnlyList boxes an enumerator on every delivery.
            for (var s = 0; s < secrets.Count; s++)
            {
                var secret = secrets[s];
                WebhookSecret.ThrowIfInvalidLength(secret);
                for (var v = 0; v < versions.Count; v++)
                {
                    var version = versions[v];
                    var length = Compute(version, secret, content, signature);
                    Convert.TryToBase64Chars(signature[..length], base64, out var chars);
                    if (header.Length > 0)
                    {
                        header.Append(' ');
                    }
                    header.Append(version).Append(',').Append(base64[..chars]);
                }
            }
            return header.ToString();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    static ReadOnlySpan<byte> WriteSignedContent(byte[] buffer, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var span = buffer.AsSpan();
        var length = Encoding.UTF8.GetBytes(messageId, span);
        span[length++] = (byte)'.';
        timestamp.TryFormat(span[length..], out var digits, provider: CultureInfo.InvariantCulture);
        length += digits;
        span[length++] = (byte)'.';
        body.CopyTo(span[length..]);
        return span[..(length + body.Length)];
    }

    static int Compute(string version, byte[] secret, ReadOnlySpan<byte> content, Span<byte> signature)
    {
        switch (version)
        {
            case SignatureVersions.V1:
                return HMACSHA256.HashData(secret, content, signature);
            case SignatureVersions.V2:
                return HMACSHA512.HashData(secret, content, signature);
            case SignatureVersions.V1a:
                using (var key = WebhookSecret.DeriveV1aKey(secret))
                {
                    SignatureAlgorithm.Ed25519.Sign(key, content, signature[..SignatureAlgorithm.Ed25519.SignatureSize]);
                    return SignatureAlgorithm.Ed25519.SignatureSize;
                }
            default:
                throw new ArgumentException($"Unknown signature version '{version}'.", nameof(version));
        }
    }
}
