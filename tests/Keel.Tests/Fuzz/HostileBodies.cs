using System.Text;
using System.Text.Json.Nodes;

namespace Keel.Tests.Fuzz;

/// <summary>A request body as sent: its bytes (null: no content at all), its Content-Type (null: none) and what made it.</summary>
public sealed record FuzzBody(byte[]? Bytes, string? ContentType, bool Chunked, string What)
{
    public static readonly FuzzBody None = new(null, null, false, "no body");
}

/// <summary>
/// Turns a valid body into a hostile one: fields mutated (wrong types, nulls, unknown fields, extreme
/// numbers, Unicode edge cases, huge strings, deep nesting inside object fields such as <c>meta</c>
/// and <c>payload</c>), broken JSON (truncated, trailing garbage, BOM, invalid UTF-8, UTF-16), whole
/// bodies that are empty, scalar, deeply nested or larger than the node accepts, and wrong content types.
/// </summary>
public static class HostileBodies
{
    const string Json = "application/json";

    static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json; charset=utf-16", "application/json; charset=latin1", "application/json; charset=nonsense",
        "application/problem+json", "application/merge-patch+json", "application/vnd.keel+json", "*/*", "application/*",
        "json", "}{;;", "",
    ];

    static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xFE], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xED, 0xB0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
    ];

    static readonly string[] Garbage = ["x", "}", "]", ",", "{}", " null", "\0", "\n{\"a\":1}", "\u00ff\u00fe"];

    static readonly string[] UnknownNames = ["nmae", "__proto__", "constructor", "$type", "", "\\u0000", "\\u202Eid", "\U0001F600", "a.b", "ID"];

    static readonly string[] Roots = ["", " ", "\n", "null", "[]", "{}", "0", "\"x\"", "true", "[{}]", "{\"\":null}"];

    public static FuzzBody Make(Random random, JsonNode? seed, long maxBodyBytes)
    {
        seed ??= new JsonObject();
        var roll = random.Next(100);
        return roll switch
        {
            < 8 => Valid(seed.ToJsonString(), "seed as is"),
            < 55 => Mutated(random, seed),
            < 70 => Broken(random, seed),
            < 82 => WholeBody(random, seed, maxBodyBytes),
            < 85 => TooLarge(random, maxBodyBytes),
            < 95 => WrongContentType(random, seed),
            _ => FuzzBody.None,
        };
    }

    static FuzzBody Valid(string text, string what) => new(Encoding.UTF8.GetBytes(text), Json, false, what);

    static FuzzBody Mutated(Random random, JsonNode seed)
    {
        var (text, what) = Mutate(random, seed);
        return Valid(text, what);
    }

    /// <summary>One to five field mutations of the seed; returns the JSON text and what was done.</summary>
    static (string Text, string What) Mutate(Random random, JsonNode seed)
    {
        var body = seed.DeepClone();
        var raws = new List<string>();
        var what = new List<string>();
        var count = random.Next(100) switch { < 60 => 1, < 85 => 2, _ => random.Next(3, 6) };
        for (var i = 0; i < count; i++)
        {
            var nodes = Descendants(body).ToList();
            var target = nodes.Count > 0 ? nodes[random.Next(nodes.Count)] : null;
            var objects = Objects(body).ToList();
            switch (random.Next(100))
            {
                case < 55 when target is not null:
                    var (json, kind) = HostileValues.Any(random);
                    what.Add($"{target.GetPath()} <- {kind}");
                    Replace(target, Raw(raws, json));
                    break;
                case < 65 when target is not null:
                    what.Add($"{target.GetPath()} <- null");
                    Replace(target, null);
                    break;
                case < 75 when target?.Parent is JsonObject parent:
                    what.Add($"{target.GetPath()} removed");
                    parent.Remove(target.GetPropertyName());
                    break;
                case < 85 when objects.Count > 0:
                    var owner = objects[random.Next(objects.Count)];
                    var name = UnknownNames[random.Next(UnknownNames.Length)];
                    what.Add($"{owner.GetPath()} gets unknown field \"{name}\"");
                    owner[Raw(raws, "\"" + name + "\"")] = 1;
                    break;
                case var _ when objects.Count > 0:
                    // Depth inside an object field (meta, payload, schema): the field stays an object, so it gets past type checks.
                    var host = objects[random.Next(objects.Count)];
                    var (deep, depth) = HostileValues.Nesting(random, NearTheLimit(random, host));
                    what.Add($"{host.GetPath()}.deep <- {depth}");
                    host["deep"] = Raw(raws, deep);
                    break;
            }
        }
        return (Serialize(body, raws), what.Count > 0 ? string.Join("; ", what) : "seed as is");
    }

    /// <summary>
    /// The seed with every object in it (the body itself, <c>meta</c>, <c>payload</c>, ...) given a
    /// field nested so that the whole body is 62 to 65 levels deep: System.Text.Json reads 64, and a
    /// read wraps what was stored in more levels (page, item, event payload) on the way out.
    /// </summary>
    public static IEnumerable<FuzzBody> AtDepthLimit(JsonNode seed)
    {
        var count = Objects(seed).Count();
        for (var i = 0; i < count; i++)
        {
            for (var total = 62; total <= 65; total++)
            {
                var body = seed.DeepClone();
                var host = Objects(body).ElementAt(i);
                var raws = new List<string>();
                var (deep, what) = HostileValues.Nesting(total - Level(host), objects: total % 2 == 0);
                host["deep"] = Raw(raws, deep);
                yield return Valid(Serialize(body, raws), $"{host.GetPath()}.deep <- {what}, {total} levels in all");
            }
        }
    }

    static int Level(JsonNode node)
    {
        var level = 1;
        for (; node.Parent is not null; node = node.Parent)
        {
            level++;
        }
        return level;
    }

    /// <summary>The body as JSON text, with each raw placeholder replaced by its JSON (which JsonNode could not hold).</summary>
    static string Serialize(JsonNode body, List<string> raws)
    {
        var text = body.ToJsonString();
        for (var i = 0; i < raws.Count; i++)
        {
            text = text.Replace($"\"@@raw{i}@@\"", raws[i], StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>
    /// Mostly a depth that puts the body within a few levels of System.Text.Json's 64: accepted on
    /// the way in, but a read wraps stored data in more levels (page, item) on the way out.
    /// </summary>
    static int NearTheLimit(Random random, JsonNode host)
    {
        if (random.Next(10) < 3)
        {
            return HostileValues.Depth(random);
        }
        return Math.Max(1, 64 - Level(host) + random.Next(-4, 2));
    }

    /// <summary>The body itself when it is an object, and every object inside it.</summary>
    static IEnumerable<JsonObject> Objects(JsonNode body) => Descendants(body).Prepend(body).OfType<JsonObject>();

    static IEnumerable<JsonNode> Descendants(JsonNode? node) => node switch
    {
        JsonObject o => o.Select(p => p.Value).OfType<JsonNode>().SelectMany(c => Descendants(c).Prepend(c)),
        JsonArray a => a.OfType<JsonNode>().SelectMany(c => Descendants(c).Prepend(c)),
        _ => [],
    };

    static string Raw(List<string> raws, string json)
    {
        raws.Add(json);
        return $"@@raw{raws.Count - 1}@@";
    }

    static void Replace(JsonNode target, string? raw)
    {
        switch (target.Parent)
        {
            case JsonObject o:
                o[target.GetPropertyName()] = raw;
                break;
            case JsonArray a:
                a[target.GetElementIndex()] = raw;
                break;
        }
    }

    static FuzzBody Broken(Random random, JsonNode seed)
    {
        var (text, what) = random.Next(2) == 0 ? (seed.ToJsonString(), "seed") : Mutate(random, seed);
        var bytes = Encoding.UTF8.GetBytes(text);
        switch (random.Next(9))
        {
            case 0:
                var cut = random.Next(bytes.Length);
                return new(bytes[..cut], Json, false, $"{what}, truncated to {cut} of {bytes.Length} bytes");
            case 1:
                var garbage = Garbage[random.Next(Garbage.Length)];
                return new([.. bytes, .. Encoding.UTF8.GetBytes(garbage)], Json, false, $"{what}, then trailing {HostileValues.Excerpt(garbage)}");
            case 2:
                var boms = random.Next(1, 3);
                return new([.. Enumerable.Repeat<byte[]>([0xEF, 0xBB, 0xBF], boms).SelectMany(b => b), .. bytes], Json, false, $"{what}, after {boms} UTF-8 BOM");
            case 3:
                var sequence = InvalidUtf8[random.Next(InvalidUtf8.Length)];
                var at = Array.IndexOf(bytes, (byte)':') is var colon and >= 0 && colon + 2 < bytes.Length && bytes[colon + 1] == '"' ? colon + 2 : random.Next(bytes.Length + 1);
                return new([.. bytes[..at], .. sequence, .. bytes[at..]], Json, false,
                    $"{what}, invalid UTF-8 {Convert.ToHexString(sequence)} at byte {at}");
            case 4:
                var flip = random.Next(bytes.Length);
                var was = bytes[flip];
                bytes[flip] = (byte)random.Next(256);
                return new(bytes, Json, false, $"{what}, byte {flip} 0x{was:X2} -> 0x{bytes[flip]:X2}");
            case 5:
                var bom = random.Next(2) == 0;
                return new(Encoding.Unicode.GetBytes((bom ? "\uFEFF" : "") + text), random.Next(2) == 0 ? Json : Json + "; charset=utf-16", false,
                    $"{what}, as UTF-16{(bom ? " with BOM" : "")}");
            case 6:
                var first = seed is JsonObject o && o.Count > 0 ? o.First().Key : "a";
                return new(Encoding.UTF8.GetBytes("{\"" + first + "\":\"dup\"," + text[1..]), Json, false, $"{what}, \"{first}\" twice");
            case 7:
                return new(Encoding.UTF8.GetBytes(text.Replace("{", "{/*c*/", StringComparison.Ordinal).Replace("}", ",}", StringComparison.Ordinal)), Json, false,
                    $"{what}, with comments and trailing commas");
            default:
                return new(Encoding.UTF8.GetBytes(text.Replace('"', '\'')), Json, false, $"{what}, single-quoted");
        }
    }

    static FuzzBody WholeBody(Random random, JsonNode seed, long maxBodyBytes)
    {
        switch (random.Next(4))
        {
            case 0:
                var root = Roots[random.Next(Roots.Length)];
                return Valid(root, $"body {HostileValues.Excerpt(root)}");
            case 1:
                var (deep, what) = HostileValues.Nesting(random, random.Next(4) == 0 ? 100_000 : HostileValues.Depth(random));
                return Valid(deep, "body of " + what);
            case 2:
                var (json, kind) = HostileValues.Any(random);
                return Valid(json, "body " + kind);
            default:
                // Just under the limit, the largest body Keel must read and validate in full.
                var field = seed is JsonObject o && o.Count > 0 ? o.First().Key : "a";
                var size = (int)maxBodyBytes - 64;
                return Valid("{\"" + field + "\":\"" + new string('a', size) + "\"}", $"\"{field}\" of {size} bytes, just under the limit");
        }
    }

    static FuzzBody TooLarge(Random random, long maxBodyBytes)
    {
        var size = (int)maxBodyBytes + 1 + random.Next(1024);
        var chunked = random.Next(2) == 0;
        var text = "{\"name\":\"" + new string('a', size - 11) + "\"}";
        return new(Encoding.UTF8.GetBytes(text), Json, chunked, $"{size} bytes, over the limit, {(chunked ? "chunked" : "with Content-Length")}");
    }

    static FuzzBody WrongContentType(Random random, JsonNode seed)
    {
        var type = random.Next(ContentTypes.Length + 1) is var i && i < ContentTypes.Length ? ContentTypes[i] : null;
        return new(Encoding.UTF8.GetBytes(seed.ToJsonString()), type, false, $"seed as {(type is null ? "no Content-Type" : $"Content-Type '{type}'")}");
    }
}
