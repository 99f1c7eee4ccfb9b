using Keel.Usage.Anomalies;

namespace Keel.Bench.Nab;

/// <summary>
/// Keel's detector, the class production uses with its default settings, over NAB files: one fresh series per
/// file, fed the rows in order, its score per row kept for NAB's scorer.
/// </summary>
public static class KeelOnNab
{
    public static NabFile Run(NabCorpus corpus, string key, AnomaliesOptions options)
    {
        var rows = corpus.Rows(key);
        var series = new RobustDetector(options).NewSeries();
        var scores = rows.Select(r => series.Observe(r.Timestamp, r.Value).Score).ToList();
        return corpus.Scored(key, [.. rows.Select(r => r.Timestamp)], scores);
    }
}
