extern alias bench;

using bench::Keel.Bench.Nab;
using Keel.Usage.Anomalies;

namespace Keel.Tests.Unit;

/// <summary>
/// Keel's detector, default settings, on the shared NAB subset through NAB's scorer. Loose floors, a few points below
/// the measured result in docs/benchmarks.md (66.8 at the default threshold), so they catch a broken or clearly worse
/// detector, not a small change in quality.
/// </summary>
public sealed class KeelOnNabTests
{
    static readonly NabCorpus Corpus = NabCorpus.Find();
    static readonly CostMatrix Standard = Corpus.Profile("standard");
    static readonly AnomaliesOptions Defaults = new();
    static readonly List<NabFile> Files = [.. Corpus.Published("numenta", "standard").Select(p => KeelOnNab.Run(Corpus, p.File, Defaults))];

    [Fact]
    public void DefaultThreshold_OnTheSubset_BeatsTheNullDetectorClearly()
    {
        var windows = Files.Sum(f => f.Windows.Count);
        var raw = Files.Sum(f => NabScorer.Score(f.Scores, f.Windows, Defaults.Threshold, Standard).Score);

        Assert.True(raw > -Standard.FnWeight * windows, $"raw {raw} is no better than never firing");
        Assert.True(NabScorer.Normalised(raw, windows, Standard) > 64, $"normalised {NabScorer.Normalised(raw, windows, Standard):0.0}");
    }

    [Fact]
    public void FilesWithoutAnomalies_RaiseAtMostAFewAlarms()
    {
        var quiet = Files.Where(f => f.Key.StartsWith("artificialNoAnomaly/", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(quiet);
        Assert.All(quiet, f => Assert.True(NabScorer.Score(f.Scores, f.Windows, Defaults.Threshold, Standard).FalsePositives <= 2, f.Key));
    }

    [Fact]
    public void EveryScore_IsWithinZeroAndOne()
    {
        Assert.All(Files, f => Assert.All(f.Scores, s => Assert.InRange(s, 0, 1)));
    }
}
