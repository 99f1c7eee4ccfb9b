using System.Security.Cryptography;
using System.Text;
using Keel.Secrets;

namespace Keel.Tests.Secrets;

public sealed class SecretProtectorTests
{
    const string EndpointId = "ep_1";

    readonly byte[] _masterKey = RandomNumberGenerator.GetBytes(32);
    readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64)]
    public void Unprotect_ProtectedBlob_ReturnsPlaintext(int length)
    {
        var protector = new SecretProtector(_masterKey);
        var plaintext = RandomNumberGenerator.GetBytes(length);

        var blob = protector.Protect(plaintext, EndpointId);

        Assert.Equal(plaintext, protector.Unprotect(blob, EndpointId));
    }

    [Fact]
    public void Protect_Blob_IsVersionNonceTagCiphertextOfAes256Gcm()
    {
        var blob = new SecretProtector(_masterKey).Protect(_secret, EndpointId);

        Assert.Equal(1 + 12 + 16 + _secret.Length, blob.Length);
        Assert.Equal(1, blob[0]);
        var plaintext = new byte[_secret.Length];
        using var aes = new AesGcm(_masterKey, 16);
        aes.Decrypt(blob.AsSpan(1, 12), blob.AsSpan(29), blob.AsSpan(13, 16), plaintext, Encoding.UTF8.GetBytes(EndpointId));
        Assert.Equal(_secret, plaintext);
    }

    [Fact]
    public void Unprotect_AnyByteChanged_ThrowsCryptographicException()
    {
        var protector = new SecretProtector(_masterKey);
        var blob = protector.Protect(_secret, EndpointId);

        // Every position: version, nonce, tag and ciphertext.
        for (var i = 0; i < blob.Length; i++)
        {
            var tampered = blob.ToArray();
            tampered[i] ^= 0x01;
            Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(tampered, EndpointId));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(28)]
    public void Unprotect_TruncatedBlob_ThrowsCryptographicException(int length)
    {
        var protector = new SecretProtector(_masterKey);
        var blob = protector.Protect([], EndpointId);

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(blob.AsSpan(0, length), EndpointId));
    }

    [Theory]
    [InlineData("ep_2")]
    [InlineData("")]
    [InlineData("EP_1")]
    public void Unprotect_OtherAssociatedData_ThrowsCryptographicException(string associatedData)
    {
        var protector = new SecretProtector(_masterKey);
        var blob = protector.Protect(_secret, EndpointId);

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(blob, associatedData));
    }

    [Fact]
    public void Unprotect_OtherMasterKey_ThrowsCryptographicException()
    {
        var blob = new SecretProtector(_masterKey).Protect(_secret, EndpointId);

        Assert.ThrowsAny<CryptographicException>(() => new SecretProtector(RandomNumberGenerator.GetBytes(32)).Unprotect(blob, EndpointId));
    }

    [Fact]
    public void Protect_SamePlaintextTwice_DifferentBlobsBothReadable()
    {
        var protector = new SecretProtector(_masterKey);

        var first = protector.Protect(_secret, EndpointId);
        var second = protector.Protect(_secret, EndpointId);

        Assert.NotEqual(first.AsSpan(1, 12).ToArray(), second.AsSpan(1, 12).ToArray());
        Assert.NotEqual(first, second);
        Assert.Equal(_secret, protector.Unprotect(first, EndpointId));
        Assert.Equal(_secret, protector.Unprotect(second, EndpointId));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    public void Constructor_KeyNot32Bytes_Throws(int length)
    {
        Assert.Throws<ArgumentException>(() => new SecretProtector(new byte[length]));
    }
}
