using System.CommandLine;
using System.Globalization;
using Keel.Usage.Anomalies;

namespace Keel.Bench.Nab;

/// <summary>
/// <c>nab</c>: NAB's scoring protocol on the part of its corpus given with <c>--data</c>. First it proves the
/// scorer: for each detector whose results NAB published there, every file scored at NAB's threshold must give
/// NAB's own score and confusion counts. Then it reports each detector's normalised score on this subset, at NAB's threshold
/// and at the threshold the sweep finds best for the subset.
/// </summary>
public static class NabScenario
{
    public static Command Command()
    {
        var data = new Option<string>("--data") { Description = "The NAB folder: combined_windows.json, profiles.json, data/ and results/", Required = true };
        var profile = new Option<string>("--profile") { Description = "standard, reward_low_FP_rate or reward_low_FN_rate", DefaultValueFactory = _ => "standard" };
        var detectors = new Option<string[]>("--detector") { Description = "Detectors with published results to score", DefaultValueFactory = _ => ["numenta", "ARTime"], AllowMultipleArgumentsPerToken = true };
        var gap = new Option<bool>("--gap") { Description = "Also break down the raw-score gap between the first detector and Keel: per window and false-positive cost per family" };
        var command = new Command("nab", "NAB scoring: reproduce NAB's per-file scores, then normalised scores on this subset") { data, profile, detectors, gap };
        command.SetAction(parse => Run(new NabCorpus(parse.GetValue(data)!), parse.GetValue(profile)!, parse.GetValue(detectors)!, parse.GetValue(gap)));
        return command;
    }

    static int Run(NabCorpus corpus, string profile, string[] detectors, bool gap)
    {
        var costs = corpus.Profile(profile);
        var ok = true;
        Console.WriteLine($"NAB subset at {corpus.Root}, profile `{profile}` (tp {costs.TpWeight}, fn {costs.FnWeight}, fp {costs.FpWeight}).");
        Console.WriteLine();
        Console.WriteLine("| detector | files | reproduced exactly | windows | raw at NAB's threshold | normalised | best threshold on this subset | raw | normalised |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var detector in detectors)
        {
            var published = corpus.Published(detector, profile);
            var files = published.Select(p => corpus.Load(detector, p.File)).ToList();
            var reproduced = published.Zip(files).Count(pair => Matches(pair.First, NabScorer.Score(pair.Second.Scores, pair.Second.Windows, pair.First.Threshold, costs)));
            ok &= reproduced == published.Count;
            var windows = files.Sum(f => f.Windows.Count);
            var raw = published.Zip(files).Sum(pair => NabScorer.Score(pair.Second.Scores, pair.Second.Windows, pair.First.Threshold, costs).Score);
            var (threshold, best) = ThresholdSweep.Best(files, costs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {detector} | {files.Count} | {reproduced} | {windows} | {raw:0.###} | {NabScorer.Normalised(raw, windows, costs):0.0} | {threshold:0.######} | {best:0.###} | {NabScorer.Normalised(best, windows, costs):0.0} |"));
        }
        Console.WriteLine();
        Compare(corpus, costs, detectors, gap);
        Console.WriteLine();
        Console.WriteLine(ok ? "Every file matched NAB's published score and counts." : "Some files did not match NAB's published results: the scorer is not to be trusted.");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// Keel's detector (default settings) beside the published detectors on the same files: each at the one threshold
    /// best for the whole subset, Keel also at its configured default threshold; then the same per family.
    /// </summary>
    static void Compare(NabCorpus corpus, CostMatrix costs, string[] detectors, bool gap)
    {
        var keys = corpus.Published(detectors.FirstOrDefault() ?? "numenta", "standard").Select(p => p.File).ToList();
        var options = new AnomaliesOptions();
        List<(string Name, double Threshold, IReadOnlyList<NabFile> Files)> runs = [];
        foreach (var detector in detectors)
        {
            var files = keys.Select(k => corpus.Load(detector, k)).ToList();
            runs.Add((detector, ThresholdSweep.Best(files, costs).Threshold, files));
        }
        var keel = keys.Select(k => KeelOnNab.Run(corpus, k, options)).ToList();
        runs.Add(("Keel (best threshold)", ThresholdSweep.Best(keel, costs).Threshold, keel));
        runs.Add(("Keel (default threshold)", options.Threshold, keel));
        if (gap && detectors.Length > 0)
        {
            NabGap.Report(runs[0].Name, runs[0].Threshold, runs[0].Files, "Keel", runs[^2].Threshold, keel, costs);
            Console.WriteLine();
            NabGap.Report(runs[0].Name, runs[0].Threshold, runs[0].Files, "Keel at 0.5", options.Threshold, keel, costs);
            Console.WriteLine();
        }

        var families = keys.Select(k => k[..k.IndexOf('/', StringComparison.Ordinal)]).Distinct().ToList();
        var table = new MarkdownTable(["detector", "threshold", "windows found", "false-positive rows", "raw", "normalised", .. families]);
        foreach (var (name, threshold, files) in runs)
        {
            var scored = files.Select(f => (f.Key, f.Windows.Count, Score: NabScorer.Score(f.Scores, f.Windows, threshold, costs))).ToList();
            var found = files.Sum(f => f.Windows.Count(w => Enumerable.Range(w.Left, w.Width).Any(i => i >= NabScorer.ProbationaryRows(f.Scores.Count) && f.Scores[i] >= threshold)));
            var raw = scored.Sum(s => s.Score.Score);
            var perFamily = families.Select(family =>
            {
                var mine = scored.Where(s => s.Key.StartsWith(family + "/", StringComparison.Ordinal)).ToList();
                var windows = mine.Sum(s => s.Count);
                return windows == 0 ? F($"{mine.Sum(s => s.Score.Score):0.00} raw") : F($"{NabScorer.Normalised(mine.Sum(s => s.Score.Score), windows, costs):0.0}");
            });
            table.Row([name, F($"{threshold:0.######}"), F($"{found}/{files.Sum(f => f.Windows.Count)}"), F($"{scored.Sum(s => s.Score.FalsePositives)}"),
                F($"{raw:0.###}"), F($"{NabScorer.Normalised(raw, files.Sum(f => f.Windows.Count), costs):0.0}"), .. perFamily]);
        }
        Console.WriteLine("Keel's detector beside the published ones, same files and scorer; the family columns are normalised at the row's threshold (raw score where a family has no windows).");
        Console.WriteLine();
        Console.Write(table);
    }

    static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>NAB publishes scores rounded to about 12 digits; counts must be equal.</summary>
    public static bool Matches(PublishedScore published, FileScore mine) =>
        Math.Abs(published.Score - mine.Score) < 1e-6 && published.TruePositives == mine.TruePositives && published.TrueNegatives == mine.TrueNegatives
        && published.FalsePositives == mine.FalsePositives && published.FalseNegatives == mine.FalseNegatives;
}
