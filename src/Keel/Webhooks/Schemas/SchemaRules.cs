using System.Text.Json;
using Json.Schema;
using Keel.Http;

namespace Keel.Webhooks;

/// <summary>
/// What Keel accepts as an event-type schema, checked on the text before it is stored or compiled:
/// bounded size, depth and counts; every <c>$ref</c> a JSON pointer into the same document that
/// resolves to a schema; and no way for a schema to apply itself to the same value again without
/// stepping into it (that recursion never ends: it overflowed the stack of the process), nor to
/// multiply the subschemas one value meets (nested <c>anyOf</c> of refs doubles them per level).
/// </summary>
internal static class SchemaRules
{
    public const int MaxBytes = 64 * 1024;
    public const int MaxSubschemas = 2_000;
    public const int MaxRefs = 500;
    public const int MaxPatterns = 200;

    /// <summary>The most subschemas one value of a payload may meet through in-place applicators and <c>$ref</c>.</summary>
    public const int MaxExpansion = 10_000;

    // Keywords whose subschemas apply to the same value (in place) or to its elements or properties.
    static readonly HashSet<string> InPlaceOne = ["not", "if", "then", "else"];
    static readonly HashSet<string> InPlaceList = ["allOf", "anyOf", "oneOf"];
    static readonly HashSet<string> InPlaceMap = ["dependentSchemas"];
    static readonly HashSet<string> ChildOne = ["additionalProperties", "propertyNames", "items", "contains", "unevaluatedItems", "unevaluatedProperties", "contentSchema"];
    static readonly HashSet<string> ChildList = ["prefixItems"];
    static readonly HashSet<string> ChildMap = ["properties", "patternProperties", "$defs"];

    // Dynamic scoping and anchors would need their own resolution rules here; plain pointers serve event payloads.
    static readonly HashSet<string> Refused = ["$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "$anchor", "$vocabulary"];

    /// <summary>Why <paramref name="schema"/> is refused, or null when it is acceptable.</summary>
    public static string? Check(JsonElement schema)
    {
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            return "a schema is a JSON object (or true or false).";
        }
        if (!JsonDepth.IsWithin(schema))
        {
            return $"the schema nests more than {JsonDepth.MaxStored} levels deep.";
        }
        return new Walk(schema).Run();
    }

    /// <summary>The schema's subschemas as a graph of in-place edges, built from the root and every <c>$ref</c> target.</summary>
    sealed class Walk(JsonElement root)
    {
        readonly Dictionary<string, int> _ids = [];
        readonly List<(string Pointer, JsonElement Schema)> _nodes = [];
        readonly List<List<int>> _inPlace = [];
        int _refs;
        int _patterns;

        public string? Run()
        {
            Node("", root);
            for (var i = 0; i < _nodes.Count; i++)
            {
                if (_nodes.Count > MaxSubschemas)
                {
                    return $"the schema has more than {MaxSubschemas} subschemas.";
                }
                if (Visit(i) is { } error)
                {
                    return error;
                }
            }
            return _refs > MaxRefs ? $"the schema has more than {MaxRefs} $ref."
                : _patterns > MaxPatterns ? $"the schema has more than {MaxPatterns} patterns."
                : Expansion();
        }

        int Node(string pointer, JsonElement schema)
        {
            if (_ids.TryGetValue(pointer, out var id))
            {
                return id;
            }
            _ids[pointer] = id = _nodes.Count;
            _nodes.Add((pointer, schema));
            _inPlace.Add([]);
            return id;
        }

        string? Visit(int id)
        {
            var (pointer, schema) = _nodes[id];
            if (schema.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            foreach (var keyword in schema.EnumerateObject())
            {
                var at = pointer + "/" + Escape(keyword.Name);
                var value = keyword.Value;
                if (Refused.Contains(keyword.Name))
                {
                    return $"{keyword.Name} is not supported (at {at}); refer to subschemas with \"$ref\": \"#/$defs/name\".";
                }
                switch (keyword.Name)
                {
                    case "$schema" when pointer.Length > 0 || value.ValueKind != JsonValueKind.String
                        || value.GetString()!.TrimEnd('#') != MetaSchemas.Draft202012Id.OriginalString:
                        return $"$schema may only name draft 2020-12 ({MetaSchemas.Draft202012Id}), at the top of the schema.";
                    case "$id" when pointer.Length > 0:
                        return $"$id is allowed only at the top of the schema (at {at}).";
                    case "$ref":
                        if (Target(value) is not { } target)
                        {
                            return $"$ref at {at} must be a JSON pointer into this schema that names a subschema, such as \"#/$defs/name\".";
                        }
                        _refs++;
                        _inPlace[id].Add(Node(target.Pointer, target.Schema));
                        break;
                    case "pattern":
                        _patterns++;
                        break;
                    case "patternProperties" when value.ValueKind == JsonValueKind.Object:
                        _patterns += value.EnumerateObject().Count();
                        break;
                }
                Children(id, keyword.Name, at, value);
            }
            return null;
        }

        void Children(int id, string keyword, string at, JsonElement value)
        {
            var inPlace = InPlaceOne.Contains(keyword) || InPlaceList.Contains(keyword) || InPlaceMap.Contains(keyword);
            var children =
                (InPlaceOne.Contains(keyword) || ChildOne.Contains(keyword)) ? [(at, value)]
                : (InPlaceList.Contains(keyword) || ChildList.Contains(keyword)) && value.ValueKind == JsonValueKind.Array
                    ? value.EnumerateArray().Select((v, i) => ($"{at}/{i}", v))
                : (InPlaceMap.Contains(keyword) || ChildMap.Contains(keyword)) && value.ValueKind == JsonValueKind.Object
                    ? value.EnumerateObject().Select(p => ($"{at}/{Escape(p.Name)}", p.Value))
                : [];
            foreach (var (pointer, schema) in children)
            {
                var child = Node(pointer, schema);
                if (inPlace)
                {
                    _inPlace[id].Add(child);
                }
            }
        }

        /// <summary>The subschema a <c>$ref</c> value points to: "#" or "#/a/b" (percent- and ~-escaped), within this document.</summary>
        (string Pointer, JsonElement Schema)? Target(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.String || value.GetString() is not ['#', .. var fragment])
            {
                return null;
            }
            fragment = Uri.UnescapeDataString(fragment);
            if (fragment.Length > 0 && fragment[0] != '/')
            {
                return null;
            }
            var at = root;
            var pointer = "";
            foreach (var raw in fragment.Length == 0 ? [] : fragment[1..].Split('/'))
            {
                var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                if (at.ValueKind == JsonValueKind.Object && at.TryGetProperty(segment, out var next))
                {
                    at = next;
                }
                else if (at.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index >= 0 && index < at.GetArrayLength()
                    && index.ToString(System.Globalization.CultureInfo.InvariantCulture) == segment)
                {
                    at = at[index];
                }
                else
                {
                    return null;
                }
                pointer += "/" + Escape(segment);
            }
            return at.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False ? (pointer, at) : null;
        }

        /// <summary>
        /// Refuses a cycle of in-place edges (Kahn's algorithm leaves its nodes unordered), then counts
        /// for every subschema how many subschemas it brings to the same value, children first.
        /// </summary>
        string? Expansion()
        {
            var indegree = new int[_nodes.Count];
            foreach (var edges in _inPlace)
            {
                edges.ForEach(e => indegree[e]++);
            }
            var order = new List<int>(_nodes.Count);
            var ready = new Queue<int>(Enumerable.Range(0, _nodes.Count).Where(n => indegree[n] == 0));
            while (ready.TryDequeue(out var n))
            {
                order.Add(n);
                foreach (var e in _inPlace[n].Where(e => --indegree[e] == 0))
                {
                    ready.Enqueue(e);
                }
            }
            if (order.Count < _nodes.Count)
            {
                var looping = _nodes[Array.FindIndex(indegree, d => d > 0)].Pointer;
                return $"the schema applies itself to the same value again without stepping into it (through {(looping.Length == 0 ? "the root" : looping)}); such a check never ends.";
            }
            var expansion = new long[_nodes.Count];
            for (var i = order.Count - 1; i >= 0; i--)
            {
                var n = order[i];
                expansion[n] = Math.Min(1 + _inPlace[n].Sum(e => expansion[e]), MaxExpansion + 1L);
                if (expansion[n] > MaxExpansion)
                {
                    var at = _nodes[n].Pointer;
                    return $"one value of a payload would meet more than {MaxExpansion} subschemas at {(at.Length == 0 ? "the root" : at)} (allOf, anyOf or oneOf of $ref, nested).";
                }
            }
            return null;
        }

        static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
    }
}
