using Keel.Bench.Nab;
using Keel.Usage.Anomalies;

namespace Keel.Bench.Tests.Nab;

/// <summary>
/// Keel's detector, default settings, on the NAB fixtures through NAB's scorer. Loose floors, a few points below
/// what it scores on them (docs/benchmarks.md), so they catch a broken or clearly worse
/// detector, not a small change in quality; the bench's <c>nab</c> command measures it on the whole subset.
/// </summary>
public sealed class KeelOnNabTests
{
    static readonly NabCorpus Corpus = NabFixtures.Corpus;
    static readonly CostMatrix Standard = Corpus.Profile("standard");
    static readonly AnomaliesOptions Defaults = new();
    static readonly List<NabFile> Files = [.. NabFixtures.SeriesKeys().Select(k => KeelOnNab.Run(Corpus, k, Defaults))];

    [Fact]
    public void DefaultThreshold_OnTheFixtures_BeatsTheNullDetectorClearly()
    {
        var windows = Files.Sum(f => f.Windows.Count);
        var raw = Files.Sum(f => NabScorer.Score(f.Scores, f.Windows, Defaults.Threshold, Standard).Score);

        Assert.True(raw > -Standard.FnWeight * windows, $"raw {raw} is no better than never firing");
        Assert.True(NabScorer.Normalised(raw, windows, Standard) > 58, $"normalised {NabScorer.Normalised(raw, windows, Standard):0.0}");
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
