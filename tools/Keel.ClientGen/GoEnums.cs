using Microsoft.OpenApi;

namespace Keel.ClientGen;

/// <summary>Where the document lists an enum: its values, the Go name its property suggests, and the schema it sits in.</summary>
internal sealed record EnumUse(IReadOnlyList<string> Values, string Candidate, string? Qualifier);

/// <summary>
/// Names the document's enums as Go string types. The document writes each enum in place, often the
/// same one in several schemas (a key's <c>status</c> in <c>KeyView</c> and <c>CreatedKeyView</c>), so
/// enums with the same values are one Go type. Its name is the property's (the most common one), after
/// the shortest schema that uses it less its <c>View</c>/<c>Request</c> ending: <c>KeyStatus</c>,
/// <c>DeliveryStatus</c>, <c>QuotaPeriod</c>. An enum only query parameters use keeps the bare name.
/// </summary>
internal sealed class GoEnums
{
    static readonly string[] SchemaEndings = ["View", "Request", "Result", "Spec"];

    readonly Dictionary<string, string> _names;

    GoEnums(Dictionary<string, string> names, IReadOnlyList<(string Name, IReadOnlyList<string> Values)> all)
    {
        _names = names;
        All = all;
    }

    /// <summary>Every enum type, by name.</summary>
    public IReadOnlyList<(string Name, IReadOnlyList<string> Values)> All { get; }

    public static GoEnums Name(IEnumerable<EnumUse> uses)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var all = new List<(string Name, IReadOnlyList<string> Values)>();
        foreach (var group in uses.GroupBy(u => Key(u.Values)))
        {
            var candidate = group.GroupBy(u => u.Candidate)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First();
            var qualifier = candidate.Select(u => u.Qualifier).OfType<string>()
                .OrderBy(q => q.Length).ThenBy(q => q, StringComparer.Ordinal).FirstOrDefault();
            var name = qualifier + candidate.Key;
            if (all.Any(e => e.Name == name))
            {
                throw new InvalidOperationException($"Two different enums would both be named {name}; the naming rule in GoEnums needs a tie-break.");
            }
            names[group.Key] = name;
            all.Add((name, group.First().Values));
        }
        all.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new GoEnums(names, all);
    }

    /// <summary>The qualifier a component schema gives its enums: <c>KeyView</c> → <c>Key</c>.</summary>
    public static string Qualifier(string component)
    {
        var ending = SchemaEndings.FirstOrDefault(e => component.EndsWith(e, StringComparison.Ordinal) && component.Length > e.Length);
        return ending is null ? component : component[..^ending.Length];
    }

    /// <summary>The Go type of an enum schema that <see cref="Name"/> saw.</summary>
    public string NameOf(IOpenApiSchema schema) =>
        _names.TryGetValue(Key(Schemas.EnumValues(schema)), out var name)
            ? name
            : throw new InvalidOperationException($"An enum of {string.Join(", ", Schemas.EnumValues(schema))} was not collected.");

    /// <summary>The constant for one value: <c>KeyStatus</c> and <c>active</c> → <c>KeyStatusActive</c>.</summary>
    public static string ConstantName(string type, string value) => type + GoNames.Exported(value);

    static string Key(IReadOnlyList<string> values) => string.Join('\n', values);
}
