using System.Text.RegularExpressions;
using Keel.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Keel.Tests.Unit;

/// <summary>
/// The feature folders of src/Keel depend on each other one way. A folder depends on another when its code names
/// that folder's namespace (a using directive, a qualified name). Storage (KeelDb maps every feature's entities) and
/// Events (every feature publishes, several consume) may close a cycle; any other cycle fails here, with the files
/// that make it.
/// </summary>
public sealed partial class FolderDependenciesTests(ITestOutputHelper output)
{
    static readonly string[] MayCloseCycles = ["Storage", "Events"];

    [Fact]
    public void FeatureFolders_DependOneWay_ExceptThroughStorageAndEvents()
    {
        var graph = FolderGraph.Read(Path.Combine(RepositoryFiles.Root(), "src", "Keel"));
        output.WriteLine(graph.Describe());

        var cycles = graph.Without(MayCloseCycles).Cycles();

        Assert.True(cycles.Count == 0, "Folders that reach each other:\n" + string.Join("\n", cycles.Select(graph.Explain)));
    }

    [Fact]
    public void Hosting_IsTheCompositionRoot_NothingDependsOnIt()
    {
        var graph = FolderGraph.Read(Path.Combine(RepositoryFiles.Root(), "src", "Keel"));

        Assert.Empty(graph.Edges.Where(e => e.To == "Hosting").Select(e => $"{e.From} -> Hosting ({string.Join(", ", e.Files)})"));
    }

    [Fact]
    public void Cycles_AreFound_WithTheFilesThatMakeThem()
    {
        // The check itself: a graph with a known cycle must report it, or a broken reader would pass everything.
        var graph = new FolderGraph(
        [
            new("Keys", "Limits", ["Keys/KeyVerifier.cs"]), new("Limits", "Keys", ["Limits/KeyLimits.cs"]),
            new("Limits", "Storage", ["Limits/RatePlan.cs"]), new("Storage", "Limits", ["Storage/KeelDb.cs"]),
        ]);

        var cycles = graph.Without(MayCloseCycles).Cycles();

        var cycle = Assert.Single(cycles);
        Assert.Equal(["Keys", "Limits"], cycle.Order());
        Assert.Contains("Limits/KeyLimits.cs", graph.Explain(cycle), StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_SeesUsingsAndQualifiedNames_NotCommentsOrStrings()
    {
        var folders = new HashSet<string>(["Keys", "Limits", "Tenants", "Usage", "Webhooks"]);
        const string code = """
            using Keel.Keys;
            using static Keel.Usage.UsageOutcomes;
            namespace Keel.Limits;
            // Webhooks.Outbox is only mentioned here
            class C(Tenants.Roles roles) { string s = "Webhooks.Outbox"; }
            """;

        Assert.Equal(["Keys", "Tenants", "Usage"], FolderGraph.Mentions(code, folders).Order());
    }

    internal sealed record Edge(string From, string To, IReadOnlyList<string> Files);

    internal sealed partial class FolderGraph(IReadOnlyList<Edge> edges)
    {
        public IReadOnlyList<Edge> Edges { get; } = edges;

        public static FolderGraph Read(string source)
        {
            var folders = Directory.GetDirectories(source).Select(Path.GetFileName).OfType<string>()
                .Where(f => f is not ("bin" or "obj")).ToHashSet();
            Assert.True(folders.Count >= 8, $"only {folders.Count} folders under {source}");
            var files = new Dictionary<(string, string), List<string>>();
            foreach (var folder in folders)
            {
                foreach (var file in Directory.EnumerateFiles(Path.Combine(source, folder), "*.cs", SearchOption.AllDirectories))
                {
                    foreach (var target in Mentions(File.ReadAllText(file), folders).Where(t => t != folder))
                    {
                        var key = (folder, target);
                        (files.TryGetValue(key, out var list) ? list : files[key] = []).Add(Path.GetRelativePath(source, file));
                    }
                }
            }
            return new([.. files.Select(f => new Edge(f.Key.Item1, f.Key.Item2, f.Value))]);
        }

        /// <summary>The folders a file names: <c>using Keel.X</c>, <c>Keel.X.Type</c>, or <c>X.Type</c> from inside <c>Keel</c>.</summary>
        public static HashSet<string> Mentions(string code, IReadOnlySet<string> folders)
        {
            var stripped = StringsAndComments().Replace(code, "");
            var found = new HashSet<string>();
            foreach (Match m in KeelNamespace().Matches(stripped))
            {
                found.Add(m.Groups[1].Value);
            }
            foreach (Match m in PartlyQualified().Matches(stripped))
            {
                found.Add(m.Groups[1].Value);
            }
            found.IntersectWith(folders);
            return found;
        }

        public FolderGraph Without(IEnumerable<string> folders)
        {
            var gone = folders.ToHashSet();
            return new([.. Edges.Where(e => !gone.Contains(e.From) && !gone.Contains(e.To))]);
        }

        /// <summary>Strongly connected components of more than one folder (Tarjan's algorithm).</summary>
        public List<HashSet<string>> Cycles()
        {
            var next = Edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList());
            var index = new Dictionary<string, int>();
            var low = new Dictionary<string, int>();
            var stack = new Stack<string>();
            var result = new List<HashSet<string>>();
            void Visit(string v)
            {
                index[v] = low[v] = index.Count;
                stack.Push(v);
                foreach (var w in next.GetValueOrDefault(v, []))
                {
                    if (!index.TryGetValue(w, out var seen))
                    {
                        Visit(w);
                        low[v] = Math.Min(low[v], low[w]);
                    }
                    else if (stack.Contains(w))
                    {
                        low[v] = Math.Min(low[v], seen);
                    }
                }
                if (low[v] == index[v])
                {
                    var component = new HashSet<string>();
                    string w;
                    do
                    {
                        w = stack.Pop();
                        component.Add(w);
                    }
                    while (w != v);
                    if (component.Count > 1)
                    {
                        result.Add(component);
                    }
                }
            }
            foreach (var v in Edges.SelectMany(e => new[] { e.From, e.To }).Distinct().Order(StringComparer.Ordinal))
            {
                if (!index.ContainsKey(v))
                {
                    Visit(v);
                }
            }
            return result;
        }

        public string Explain(HashSet<string> cycle) => string.Join("\n", Edges
            .Where(e => cycle.Contains(e.From) && cycle.Contains(e.To))
            .Select(e => $"  {e.From} -> {e.To}: {string.Join(", ", e.Files)}"));

        public string Describe() => string.Join("\n", Edges.GroupBy(e => e.From).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} -> {string.Join(" ", g.Select(e => e.To).Order(StringComparer.Ordinal))}"));

        // Comments, strings (verbatim, raw and interpolated ones roughly) and the file's own namespace name no dependency.
        [GeneratedRegex("""//[^\n]*|/\*.*?\*/|@"(?:[^"]|"")*"|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])'|^namespace [\w.]+;""", RegexOptions.Singleline | RegexOptions.Multiline)]
        private static partial Regex StringsAndComments();

        [GeneratedRegex(@"\bKeel\.([A-Z]\w*)")]
        private static partial Regex KeelNamespace();

        [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)\.[A-Z]\w*")]
        private static partial Regex PartlyQualified();
    }
}
