using System.Globalization;
using System.Text.Json;

namespace Keel.Bench.Nab;

/// <summary>One file of the corpus: its windows as row indexes and a detector's scores per row.</summary>
public sealed record NabFile(string Key, IReadOnlyList<Window> Windows, IReadOnlyList<double> Scores);

/// <summary>A row of NAB's published <c>results/&lt;detector&gt;_&lt;profile&gt;_scores.csv</c>.</summary>
public sealed record PublishedScore(string File, double Threshold, double Score, int TruePositives, int TrueNegatives, int FalsePositives, int FalseNegatives);

/// <summary>
/// Reads a NAB folder laid out as the benchmark publishes it: windows, profiles, NAB's published per-file results
/// and detectors' raw scores.
/// </summary>
public sealed class NabCorpus
{
    /// <exception cref="DirectoryNotFoundException">The folder holds no <c>combined_windows.json</c>.</exception>
    public NabCorpus(string root)
    {
        if (!File.Exists(Path.Combine(root, "combined_windows.json")))
        {
            throw new DirectoryNotFoundException($"{root} is not a NAB folder: it has no combined_windows.json.");
        }
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public CostMatrix Profile(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "profiles.json")));
        var m = json.RootElement.GetProperty(name).GetProperty("CostMatrix");
        return new CostMatrix(m.GetProperty("tpWeight").GetDouble(), m.GetProperty("fnWeight").GetDouble(), m.GetProperty("fpWeight").GetDouble());
    }

    /// <summary>NAB's per-file results for a detector and profile (the Totals row left out).</summary>
    public IReadOnlyList<PublishedScore> Published(string detector, string profile) =>
        [.. File.ReadLines(Path.Combine(Root, "results", $"{detector}_{profile}_scores.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Where(c => c[2].Contains('/', StringComparison.Ordinal))
            .Select(c => new PublishedScore(c[2], D(c[3]), D(c[4]), I(c[5]), I(c[6]), I(c[7]), I(c[8])))];

    /// <summary>A detector's raw scores for one file (<c>results/&lt;detector&gt;/&lt;family&gt;/&lt;detector&gt;_&lt;file&gt;</c>) with the file's windows.</summary>
    public NabFile Load(string detector, string key)
    {
        var family = key[..key.IndexOf('/', StringComparison.Ordinal)];
        var file = key[(family.Length + 1)..];
        var rows = File.ReadLines(Path.Combine(Root, "results", detector, family, $"{detector}_{file}")).Skip(1).Select(l => l.Split(',')).ToList();
        return new NabFile(key, WindowsOf(key, [.. rows.Select(c => c[0])]), [.. rows.Select(c => D(c[2]))]);
    }

    /// <summary>A file's data (<c>data/&lt;family&gt;/&lt;file&gt;</c>): the timestamp (UTC) and value of every row.</summary>
    public IReadOnlyList<(DateTimeOffset Timestamp, double Value)> Rows(string key) =>
        [.. File.ReadLines(Path.Combine(Root, "data", key)).Skip(1).Select(l => l.Split(','))
            .Select(c => (DateTimeOffset.ParseExact(c[0], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), D(c[1])))];

    /// <summary>A file scored by a detector run here: its windows located by the rows' timestamps.</summary>
    public NabFile Scored(string key, IReadOnlyList<DateTimeOffset> timestamps, IReadOnlyList<double> scores) =>
        new(key, WindowsOf(key, [.. timestamps.Select(t => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))]), scores);

    IReadOnlyList<Window> WindowsOf(string key, IReadOnlyList<string> timestamps)
    {
        // A few files repeat a timestamp; a window edge then means its last row (as NAB's own lookup does).
        Dictionary<string, int> index = [];
        for (var i = 0; i < timestamps.Count; i++)
        {
            index[timestamps[i][..19]] = i;
        }
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "combined_windows.json")));
        return [.. json.RootElement.GetProperty(key).EnumerateArray()
            .Select(w => new Window(index[w[0].GetString()![..19]], index[w[1].GetString()![..19]]))];
    }

    static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    static int I(string s) => int.Parse(s, CultureInfo.InvariantCulture);
}
