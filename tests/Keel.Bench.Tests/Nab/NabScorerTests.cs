using Keel.Bench.Nab;

namespace Keel.Bench.Tests.Nab;

/// <summary>The NAB scorer against NAB's own published per-file results (Fixtures/nab/results).</summary>
public sealed class NabScorerTests
{
    static readonly NabCorpus Corpus = NabFixtures.Corpus;
    static readonly CostMatrix Standard = Corpus.Profile("standard");

    [Theory]
    [InlineData("numenta", "realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv")]
    [InlineData("numenta", "realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv")]
    [InlineData("numenta", "realAdExchange/exchange-2_cpc_results.csv")]
    [InlineData("numenta", "realAdExchange/exchange-3_cpc_results.csv")]
    [InlineData("ARTime", "realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv")]
    [InlineData("ARTime", "realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv")]
    [InlineData("ARTime", "realAdExchange/exchange-2_cpc_results.csv")]
    [InlineData("ARTime", "realAdExchange/exchange-3_cpc_results.csv")]
    public void Score_AtNabsThreshold_ReproducesNabsPublishedScoreAndCounts(string detector, string file)
    {
        var published = Corpus.Published(detector, "standard").Single(p => p.File == file);
        var data = Corpus.Load(detector, file);

        var mine = NabScorer.Score(data.Scores, data.Windows, published.Threshold, Standard);

        Assert.Equal(published.Score, mine.Score, 9);
        Assert.Equal((published.TruePositives, published.TrueNegatives, published.FalsePositives, published.FalseNegatives),
            (mine.TruePositives, mine.TrueNegatives, mine.FalsePositives, mine.FalseNegatives));
    }

    [Theory]
    [InlineData("numenta")]
    [InlineData("ARTime")]
    public void Sweep_BestThreshold_IsWhatDirectScoringGives_AndNoWorseThanNabs(string detector)
    {
        var published = Corpus.Published(detector, "standard");
        var files = published.Select(p => Corpus.Load(detector, p.File)).ToList();

        var (threshold, best) = ThresholdSweep.Best(files, Standard);

        Assert.Equal(best, files.Sum(f => NabScorer.Score(f.Scores, f.Windows, threshold, Standard).Score), 9);
        var atNabs = files.Sum(f => NabScorer.Score(f.Scores, f.Windows, published[0].Threshold, Standard).Score);
        Assert.True(best >= atNabs - 1e-9, $"sweep {best} below NAB's threshold {atNabs}");
        // A little above or below the best threshold is not better.
        Assert.True(files.Sum(f => NabScorer.Score(f.Scores, f.Windows, threshold * 1.05, Standard).Score) <= best + 1e-9);
        Assert.True(files.Sum(f => NabScorer.Score(f.Scores, f.Windows, threshold * 0.95, Standard).Score) <= best + 1e-9);
    }

    [Fact]
    public void Normalised_NullIsZero_PerfectIsHundred()
    {
        Assert.Equal(0, NabScorer.Normalised(-10, 10, Standard), 9);
        Assert.Equal(100, NabScorer.Normalised(10, 10, Standard), 9);
        Assert.Equal(-1.0, NabScorer.ScaledSigmoid(3.5));
        Assert.Equal(0, NabScorer.ScaledSigmoid(0), 9);
    }
}
