using System.Text;

namespace Keel.Tests.Fuzz;

/// <summary>
/// Path, query and header values for fuzzed requests: ids of this party's tenant, ids of another
/// tenant (never a success, like a missing one), ids of the right shape that do not exist, and junk.
/// </summary>
public static class FuzzParameters
{
    static readonly string[] JunkIds =
    [
        "key_00000000000000000000000000", "ten_zzzzzzzzzzzzzzzzzzzzzzzzzz", "ep_", "x", "0", "-1", "null", " ", ".", "..",
        "\u202Eid", "id\u200B", "\U0001F600", "e\u0301\u0301", "' OR '1'='1", "{id}", "a/b", "%2e%2e", new string('k', 3000),
    ];

    static readonly string[] QueryValues =
    [
        "-1", "0", "1", "1000000", "99999999999999999999", "abc", "", " ", "\0", "\u202E", "\U0001F600", "2026-13-45",
        "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-01-01T00:00:00+14:00", "1e308", "NaN", "true", "[]",
        "eyJpZCI6bnVsbH0", "key_00000000000000000000000000", "minute", "day", "requests", new string('c', 5000),
    ];

    /// <summary>ASCII only: a client cannot send other bytes in a header.</summary>
    static readonly string[] HeaderValues =
    [
        "", " ", "x", "a,b", "\"quoted\"", "with spaces", "%00", "null", new string('h', 200), new string('h', 201), new string('h', 10_000),
    ];

    const string Crockford = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>The route's URL with its path parameters filled, and the other tenant's id among them, if one is.</summary>
    public static (string Url, string? ForeignId) Fill(Random random, ApiRoute route, IdPool own, IdPool foreign)
    {
        var url = route.Template;
        string? foreignId = null;
        foreach (var name in route.PathParameters)
        {
            var value = PathValue(random, route, own, foreign);
            if (foreign.Holds(value) && !own.Holds(value))
            {
                foreignId = value;
            }
            url = url.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
        }
        return (url, foreignId);
    }

    public static string PathValue(Random random, ApiRoute route, IdPool own, IdPool foreign)
    {
        var mine = own.For(route.Collection);
        var theirs = foreign.For(route.Collection);
        var roll = random.Next(100);
        if (roll < 55 && mine.Count > 0)
        {
            return mine[random.Next(mine.Count)];
        }
        if (roll < 75 && theirs.Count > 0)
        {
            return theirs[random.Next(theirs.Count)];
        }
        if (roll < 85 && mine.Concat(theirs).FirstOrDefault(i => i.Contains('_', StringComparison.Ordinal)) is { } known)
        {
            // The right prefix and length, but no such row.
            var prefix = known[..(known.LastIndexOf('_') + 1)];
            var tail = new StringBuilder();
            for (var i = prefix.Length; i < known.Length; i++)
            {
                tail.Append(Crockford[random.Next(Crockford.Length)]);
            }
            return prefix + tail;
        }
        return JunkIds[random.Next(JunkIds.Length)];
    }

    /// <summary>A query string that sets some of the route's parameters to hostile values.</summary>
    public static string Query(Random random, ApiRoute route)
    {
        var pairs = route.QueryParameters.Where(_ => random.Next(10) < 7)
            .Select(name => name + "=" + Uri.EscapeDataString(QueryValues[random.Next(QueryValues.Length)]))
            .ToList();
        return pairs.Count == 0 ? "" : "?" + string.Join('&', pairs);
    }

    /// <summary>Some of the route's header parameters (such as Idempotency-Key), set to hostile values.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Headers(Random random, ApiRoute route) =>
        [.. route.HeaderParameters.Where(_ => random.Next(10) < 3).Select(name => KeyValuePair.Create(name, HeaderValues[random.Next(HeaderValues.Length)]))];
}
