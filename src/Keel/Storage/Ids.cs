using System.Security.Cryptography;

namespace Keel.Storage;

/// <summary>
/// Prefixed, time-ordered ids: <c>key_</c> + 26 lowercase Crockford base32 characters of a ULID
/// (48-bit Unix milliseconds, then 80 random bits). Ids made by one process increase strictly, so a
/// list ordered by id is ordered by creation and keyset pagination over it is stable.
/// </summary>
public static class Ids
{
    const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create(Alphabet);
    static readonly Lock Gate = new();
    static long _lastMs;
    static readonly byte[] LastRandom = new byte[10];

    public static string New(string prefix, TimeProvider? time = null)
    {
        var ms = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        Span<byte> random = stackalloc byte[10];
        lock (Gate)
        {
            if (ms <= _lastMs)
            {
                // Same (or earlier, after a clock step back) millisecond: increment the last random
                // part instead of drawing a new one, so ids stay strictly increasing.
                ms = _lastMs;
                Increment(LastRandom);
            }
            else
            {
                RandomNumberGenerator.Fill(LastRandom);
                _lastMs = ms;
            }
            LastRandom.CopyTo(random);
        }
        return string.Create(prefix.Length + 1 + 26, (prefix, ms, random.ToArray()), static (span, s) =>
        {
            s.prefix.AsSpan().CopyTo(span);
            span[s.prefix.Length] = '_';
            Encode(s.ms, s.Item3, span[(s.prefix.Length + 1)..]);
        });
    }

    /// <summary>
    /// The smallest id of <paramref name="prefix"/> made at <paramref name="time"/>: every id made
    /// earlier sorts below it, so "older than" is a range scan on the key.
    /// </summary>
    public static string Floor(string prefix, DateTime time)
    {
        var ms = new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        return string.Create(prefix.Length + 1 + 26, (prefix, ms), static (span, s) =>
        {
            s.prefix.AsSpan().CopyTo(span);
            span[s.prefix.Length] = '_';
            Encode(s.ms, new byte[10], span[(s.prefix.Length + 1)..]);
        });
    }

    /// <summary>True when <paramref name="id"/> has the given prefix and a well-formed body.</summary>
    public static bool IsValid(string? id, string prefix) =>
        id is not null && id.Length == prefix.Length + 27 && id.StartsWith(prefix, StringComparison.Ordinal)
        && id[prefix.Length] == '_' && id.AsSpan(prefix.Length + 1).IndexOfAnyExcept(Digits) < 0;

    static void Increment(byte[] value)
    {
        for (var i = value.Length - 1; i >= 0; i--)
        {
            if (++value[i] != 0)
            {
                return;
            }
        }
    }

    static void Encode(long ms, byte[] random, Span<char> dest)
    {
        // 128 bits = 48-bit time + 80-bit random, written as 26 base32 digits (the first carries 3 bits).
        var hi = (UInt128)(ulong)ms << 80;
        UInt128 lo = 0;
        foreach (var b in random)
        {
            lo = (lo << 8) | b;
        }
        var value = hi | lo;
        for (var i = 25; i >= 0; i--)
        {
            dest[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    }
}
