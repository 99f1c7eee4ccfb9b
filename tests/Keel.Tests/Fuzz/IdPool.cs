using System.Text.Json;

namespace Keel.Tests.Fuzz;

/// <summary>
/// The ids one party holds, learned from Keel's own answers: ids by prefix (<c>key</c>, <c>ep</c>, ...),
/// the prefix each collection hands out, names where a collection has no ids (event types), and the
/// client-key secrets a create answered with. Protected ids (the credentials the fuzz itself uses and
/// their tenants) are never learned, so no request revokes or deletes them.
/// </summary>
public sealed class IdPool(IReadOnlySet<string> protectedIds)
{
    readonly Dictionary<string, List<string>> _byPrefix = [];
    readonly Dictionary<string, string> _prefixOf = [];
    readonly Dictionary<string, List<string>> _names = [];
    readonly Dictionary<string, string> _origins = [];

    public List<string> Secrets { get; } = [];

    public void Learn(ApiRoute route, JsonElement body, string origin)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        IEnumerable<JsonElement> items = body.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array ? [.. data.EnumerateArray()] : [body];
        foreach (var item in items.Where(i => i.ValueKind == JsonValueKind.Object))
        {
            if (item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } value)
            {
                var prefix = value.IndexOf('_', StringComparison.Ordinal) is var cut and > 0 ? value[..cut] : "";
                if (route.PathParameters.Count == 0)
                {
                    _prefixOf[route.Template] = prefix;
                }
                if (!protectedIds.Contains(value) && _origins.TryAdd(value, origin))
                {
                    Add(_byPrefix, prefix, value);
                }
            }
            else if (route.PathParameters.Count == 0 && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
            {
                Add(_names, route.Template, name.GetString()!);
            }
            if (item.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String)
            {
                Secrets.Add(key.GetString()!);
            }
        }
    }

    /// <summary>Ids (or names) that fit a path parameter of <paramref name="collection"/>; every id when its prefix is unknown yet.</summary>
    public IReadOnlyList<string> For(string collection)
    {
        var names = _names.GetValueOrDefault(collection) ?? [];
        if (_prefixOf.TryGetValue(collection, out var prefix))
        {
            return [.. _byPrefix.GetValueOrDefault(prefix) ?? [], .. names];
        }
        return names.Count > 0 ? names : [.. _byPrefix.Values.SelectMany(v => v)];
    }

    /// <summary>Whether an answer showed this id (names do not count: every tenant may use the same name).</summary>
    public bool Holds(string id) => _origins.ContainsKey(id);

    /// <summary>The request whose answer first showed <paramref name="id"/>, for reports.</summary>
    public string? OriginOf(string id) => _origins.GetValueOrDefault(id);

    static void Add(Dictionary<string, List<string>> map, string key, string value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }
        if (!list.Contains(value))
        {
            list.Add(value);
        }
    }
}
