using System.Security.Cryptography;
using System.Text;

namespace Keel.Secrets;

/// <summary>
/// Encrypts secrets at rest with AES-256-GCM. A blob is
/// <c>version (1) | nonce (12) | tag (16) | ciphertext</c>.
/// </summary>
internal sealed class SecretProtector
{
    const byte Version = 1;
    const int KeyBytes = 32;
    const int NonceBytes = 12;
    const int TagBytes = 16;
    const int HeaderBytes = 1 + NonceBytes + TagBytes;

    readonly byte[] _key;

    public SecretProtector(ReadOnlySpan<byte> masterKey)
    {
        if (masterKey.Length != KeyBytes)
        {
            throw new ArgumentException($"The master key is {KeyBytes} bytes, not {masterKey.Length}.", nameof(masterKey));
        }
        _key = masterKey.ToArray();
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> bound to <paramref name="associatedData"/> (such as the endpoint
    /// id), which <see cref="Unprotect"/> must be given again.
    /// </summary>
    public byte[] Protect(ReadOnlySpan<byte> plaintext, string associatedData)
    {
        ArgumentNullException.ThrowIfNull(associatedData);
        var blob = new byte[HeaderBytes + plaintext.Length];
        blob[0] = Version;
        var nonce = blob.AsSpan(1, NonceBytes);
        // Random 96-bit nonces are safe for far more than 2^32 encryptions under one key, which
        // secret rows will never approach.
        RandomNumberGenerator.Fill(nonce);
        // AesGcm is not thread-safe and this class is a singleton: one instance per call.
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(HeaderBytes), blob.AsSpan(1 + NonceBytes, TagBytes), Encoding.UTF8.GetBytes(associatedData));
        return blob;
    }

    /// <summary>The plaintext of <paramref name="blob"/>.</summary>
    /// <exception cref="CryptographicException">The blob was altered, or the key or associated data differ.</exception>
    public byte[] Unprotect(ReadOnlySpan<byte> blob, string associatedData)
    {
        ArgumentNullException.ThrowIfNull(associatedData);
        if (blob.Length < HeaderBytes || blob[0] != Version)
        {
            throw new CryptographicException("Not a sealed secret of a known version.");
        }

        var plaintext = new byte[blob.Length - HeaderBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(blob.Slice(1, NonceBytes), blob[HeaderBytes..], blob.Slice(1 + NonceBytes, TagBytes), plaintext, Encoding.UTF8.GetBytes(associatedData));
        return plaintext;
    }
}
