using System.Security.Cryptography;
using System.Text;
using Keel.Webhooks;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Keel.Tests.Webhooks;

public sealed class SigningTests
{
    const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const long Timestamp = 1614265330;
    const string Body = """{"test": 2432232314}""";

    [Fact]
    public void Sign_StandardWebhooksVector_MatchesPublishedSignature()
    {
        Assert.True(WebhookSecret.TryParse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", out var key));

        var header = WebhookSigner.Sign(Id, Timestamp, Encoding.UTF8.GetBytes(Body), [key], [SignatureVersions.V1]);

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", header);
    }

    [Theory]
    [InlineData(SignatureVersions.V1, Body)]
    [InlineData(SignatureVersions.V2, Body)]
    [InlineData(SignatureVersions.V1a, Body)]
    [InlineData(SignatureVersions.V1, "")]
    [InlineData(SignatureVersions.V2, "")]
    [InlineData(SignatureVersions.V1a, "")]
    [InlineData(SignatureVersions.V1, "{\"name\": \"Zoë ✓ 日本\"}")]
    [InlineData(SignatureVersions.V1a, "{\"name\": \"Zoë ✓ 日本\"}")]
    public void Sign_OneVersion_VerifiesWithTheSpecsAlgorithm(string version, string body)
    {
        var key = NewKey();

        var (entryVersion, signature) = Assert.Single(Entries(WebhookSigner.Sign(Id, Timestamp, Encoding.UTF8.GetBytes(body), [key], [version])));

        Assert.Equal(version, entryVersion);
        Assert.True(Verify(version, key, $"{Id}.{Timestamp}.{body}", signature));
    }

    [Theory]
    [InlineData(SignatureVersions.V1)]
    [InlineData(SignatureVersions.V2)]
    [InlineData(SignatureVersions.V1a)]
    public void Sign_ChangedIdTimestampOrBody_FailsVerification(string version)
    {
        var key = NewKey();
        var (_, signature) = Entries(WebhookSigner.Sign(Id, Timestamp, Encoding.UTF8.GetBytes(Body), [key], [version])).Single();

        Assert.True(Verify(version, key, $"{Id}.{Timestamp}.{Body}", signature));
        Assert.False(Verify(version, key, $"msg_other.{Timestamp}.{Body}", signature));
        Assert.False(Verify(version, key, $"{Id}.{Timestamp + 1}.{Body}", signature));
        Assert.False(Verify(version, key, $"{Id}.{Timestamp}.{Body} ", signature));
    }

    [Fact]
    public void Sign_TwoSecretsThreeVersions_SixEntriesInOrderEachVerifyingOnlyWithItsSecret()
    {
        byte[][] keys = [NewKey(), NewKey()];
        var content = $"{Id}.{Timestamp}.{Body}";

        var entries = Entries(WebhookSigner.Sign(Id, Timestamp, Encoding.UTF8.GetBytes(Body), keys, SignatureVersions.All));

        Assert.Equal(["v1", "v2", "v1a", "v1", "v2", "v1a"], entries.Select(e => e.Version));
        for (var i = 0; i < entries.Count; i++)
        {
            var (version, signature) = entries[i];
            Assert.True(Verify(version, keys[i / 3], content, signature), $"entry {i} with its own secret");
            Assert.False(Verify(version, keys[1 - (i / 3)], content, signature), $"entry {i} with the other secret");
        }
    }

    [Fact]
    public void Sign_VersionsInGivenOrder_KeepsThatOrder()
    {
        var header = WebhookSigner.Sign(Id, Timestamp, [], [NewKey()], [SignatureVersions.V1a, SignatureVersions.V1]);

        Assert.Equal(["v1a", "v1"], Entries(header).Select(e => e.Version));
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("V1")]
    [InlineData("")]
    public void Sign_UnknownVersion_Throws(string version)
    {
        Assert.Throws<ArgumentException>(() => WebhookSigner.Sign(Id, Timestamp, [], [NewKey()], [SignatureVersions.V1, version]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(23)]
    [InlineData(65)]
    public void Sign_SecretOutsideBounds_Throws(int bytes)
    {
        Assert.Throws<ArgumentException>(() => WebhookSigner.Sign(Id, Timestamp, [], [NewKey(), new byte[bytes]], [SignatureVersions.V1]));
    }

    [Fact]
    public void Sign_NoSecretsOrNoVersions_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookSigner.Sign(Id, Timestamp, [], [], [SignatureVersions.V1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookSigner.Sign(Id, Timestamp, [], [NewKey()], []));
    }

    [Fact]
    public void PublicKey_AnySecret_MatchesIndependentHkdfAndEd25519Derivation()
    {
        foreach (var key in new[] { NewKey(24), NewKey(32), NewKey(64) })
        {
            // RFC 5869 by hand: extract with an all-zero salt, then one expand block (32 bytes is one SHA-256 output).
            var prk = HMACSHA256.HashData(new byte[32], key);
            byte[] info = [.. "keel webhook v1a"u8, 0x01];
            var seed = HMACSHA256.HashData(prk, info);
            var expected = "whpk_" + Convert.ToBase64String(new Ed25519PrivateKeyParameters(seed).GeneratePublicKey().GetEncoded());

            Assert.Equal(expected, WebhookSecret.PublicKey(key));
        }
    }

    [Fact]
    public void PublicKey_DifferentSecrets_DifferentKeys()
    {
        Assert.NotEqual(WebhookSecret.PublicKey(NewKey()), WebhookSecret.PublicKey(NewKey()));
    }

    [Fact]
    public void Generate_Default_ParsesTo32RandomBytes()
    {
        var secret = WebhookSecret.Generate();

        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.True(WebhookSecret.TryParse(secret, out var key));
        Assert.Equal(32, key.Length);
        Assert.Equal(secret, "whsec_" + Convert.ToBase64String(key));
    }

    [Theory]
    [InlineData(24)]
    [InlineData(64)]
    public void Generate_SizeWithinBounds_ParsesToThatSize(int bytes)
    {
        Assert.True(WebhookSecret.TryParse(WebhookSecret.Generate(bytes), out var key));
        Assert.Equal(bytes, key.Length);
    }

    [Theory]
    [InlineData(23)]
    [InlineData(65)]
    public void Generate_SizeOutsideBounds_Throws(int bytes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookSecret.Generate(bytes));
    }

    [Fact]
    public void Generate_Twice_Differs()
    {
        Assert.NotEqual(WebhookSecret.Generate(), WebhookSecret.Generate());
    }

    [Theory]
    [InlineData(23, false)]
    [InlineData(24, true)]
    [InlineData(64, true)]
    [InlineData(65, false)]
    public void TryParse_Length_AcceptedOnlyFrom24To64Bytes(int bytes, bool accepted)
    {
        var bytesIn = RandomNumberGenerator.GetBytes(bytes);

        Assert.Equal(accepted, WebhookSecret.TryParse("whsec_" + Convert.ToBase64String(bytesIn), out var key));
        Assert.Equal(accepted ? bytesIn : [], key);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("whsec_")]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("whpk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa!w")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")]
    [InlineData(" whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    public void TryParse_Garbage_False(string? text)
    {
        Assert.False(WebhookSecret.TryParse(text, out var key));
        Assert.Empty(key);
    }

    static byte[] NewKey(int bytes = 32) => RandomNumberGenerator.GetBytes(bytes);

    static List<(string Version, byte[] Signature)> Entries(string header) =>
        header.Split(' ').Select(entry => entry.Split(',')).Select(parts => (parts[0], Convert.FromBase64String(parts[1]))).ToList();

    // Written from the Standard Webhooks spec, sharing nothing with WebhookSigner but the public key.
    static bool Verify(string version, byte[] key, string signedContent, byte[] signature)
    {
        var content = Encoding.UTF8.GetBytes(signedContent);
        switch (version)
        {
            case "v1":
                return HMACSHA256.HashData(key, content).AsSpan().SequenceEqual(signature);
            case "v2":
                return HMACSHA512.HashData(key, content).AsSpan().SequenceEqual(signature);
            case "v1a":
                var publicKey = WebhookSecret.PublicKey(key);
                Assert.StartsWith("whpk_", publicKey, StringComparison.Ordinal);
                var verifier = new Ed25519Signer();
                verifier.Init(forSigning: false, new Ed25519PublicKeyParameters(Convert.FromBase64String(publicKey["whpk_".Length..])));
                verifier.BlockUpdate(content, 0, content.Length);
                return verifier.VerifySignature(signature);
            default:
                throw new ArgumentException(version, nameof(version));
        }
    }
}
