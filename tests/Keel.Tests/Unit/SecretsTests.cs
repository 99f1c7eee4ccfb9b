using Keel.Http;

namespace Keel.Tests.Unit;

public sealed class SecretsTests
{
    const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    [Theory]
    [InlineData("acme_live")]
    [InlineData("keel_sk")]
    [InlineData("k")]
    public void New_AnyPrefix_PrefixThen33Base62Chars(string prefix)
    {
        // 24 random bytes = 192 bits; 33 base-62 digits hold up to 196.5 bits.
        for (var i = 0; i < 200; i++)
        {
            var secret = BearerSecrets.New(prefix);

            Assert.StartsWith(prefix + "_", secret, StringComparison.Ordinal);
            Assert.Equal(prefix.Length + 1 + 33, secret.Length);
            Assert.All(secret[(prefix.Length + 1)..], c => Assert.Contains(c, Base62));
        }
    }

    [Fact]
    public void New_1000Secrets_AllDistinct()
    {
        var secrets = Enumerable.Range(0, 1000).Select(_ => BearerSecrets.New("acme")).ToList();

        Assert.Equal(1000, secrets.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void New_ManySecrets_UseTheWholeAlphabetInEveryPosition()
    {
        // A fixed-width encoding that padded or truncated would leave some positions constant.
        var bodies = Enumerable.Range(0, 2000).Select(_ => BearerSecrets.New("k")[2..]).ToList();

        for (var position = 0; position < 33; position++)
        {
            Assert.True(bodies.Select(b => b[position]).Distinct().Count() > 1, $"position {position} never changes");
        }
    }

    [Theory]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Hash_KnownVector_LowercaseHexSha256(string secret, string expected)
    {
        Assert.Equal(expected, BearerSecrets.Hash(secret));
    }

    [Fact]
    public void Hash_AnySecret_64LowercaseHexChars()
    {
        var hash = BearerSecrets.Hash(BearerSecrets.New("acme"));

        Assert.Equal(64, hash.Length);
        Assert.All(hash, c => Assert.Contains(c, "0123456789abcdef"));
    }

    [Fact]
    public void HashesEqual_SameHash_True()
    {
        var secret = BearerSecrets.New("acme");

        Assert.True(BearerSecrets.HashesEqual(BearerSecrets.Hash(secret), BearerSecrets.Hash(secret)));
    }

    [Fact]
    public void HashesEqual_DifferentSecretsOrLengths_False()
    {
        var a = BearerSecrets.Hash("abc");

        Assert.False(BearerSecrets.HashesEqual(a, BearerSecrets.Hash("abd")));
        Assert.False(BearerSecrets.HashesEqual(a, a[..63]));
        Assert.False(BearerSecrets.HashesEqual(a, a.ToUpperInvariant()));
        Assert.False(BearerSecrets.HashesEqual(a, ""));
    }
}
