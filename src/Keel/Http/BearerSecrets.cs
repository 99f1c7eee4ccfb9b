using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Keel.Http;

/// <summary>Making, hashing and comparing bearer secrets. A secret is never stored or logged.</summary>
public static class BearerSecrets
{
    const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static readonly System.Buffers.SearchValues<char> Base62Chars = System.Buffers.SearchValues.Create(Base62);

    const int RandomBytes = 24;

    /// <summary>Characters of the random part: fixed, so every secret of a kind has the same length whatever its leading digits.</summary>
    public static readonly int RandomChars = (int)Math.Ceiling(RandomBytes * 8 / Math.Log2(62));

    /// <summary><c>{prefix}_{base62 of 24 random bytes}</c>: 192 bits, well above the 128 the hash relies on.</summary>
    public static string New(string prefix) => prefix + "_" + RandomBase62(RandomBytes);

    /// <summary>Whether <paramref name="text"/> could be the random part of a secret.</summary>
    public static bool IsRandomPart(ReadOnlySpan<char> text) => text.Length == RandomChars && !text.ContainsAnyExcept(Base62Chars);

    /// <summary>Lowercase hex SHA-256 of the UTF-8 secret: what is stored and looked up.</summary>
    public static string Hash(string secret)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Constant-time comparison of two hex hashes.</summary>
    public static bool HashesEqual(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    static string RandomBase62(int bytes)
    {
        var random = RandomNumberGenerator.GetBytes(bytes);
        var value = new BigInteger(random, isUnsigned: true);
        var chars = new char[RandomChars];
        for (var i = RandomChars - 1; i >= 0; i--)
        {
            chars[i] = Base62[(int)(value % 62)];
            value /= 62;
        }
        return new string(chars);
    }
}
