using System.Text;

namespace Keel.Secrets;

/// <summary>
/// Seals secrets Keel must keep to use or show later (webhook signing secrets, a scheduled rotation's
/// successor key) so only ciphertext reaches the database. Field-level encryption's KMS plugs in here.
/// </summary>
public interface ISecretSealer
{
    /// <summary>
    /// Encrypts <paramref name="plaintext"/> bound to <paramref name="context"/>, which names what it belongs to;
    /// contexts of different kinds of secret must never collide, so no blob opens as another.
    /// </summary>
    byte[] Seal(ReadOnlySpan<byte> plaintext, string context);

    /// <summary>What <see cref="Seal"/> was given with the same <paramref name="context"/>.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The blob was altered or sealed under another key or context.</exception>
    byte[] Open(ReadOnlySpan<byte> blob, string context);

    /// <summary>Loads the key now, so a bad one stops the process at start rather than at first use.</summary>
    void EnsureReady();

    byte[] SealText(string secret, string context) => Seal(Encoding.UTF8.GetBytes(secret), context);

    string OpenText(byte[] blob, string context) => Encoding.UTF8.GetString(Open(blob, context));
}
