namespace Keel.Bench.Nab;

/// <summary>
/// NAB's threshold choice: the one threshold, for all files together, that maximises the summed raw
/// score, trying every distinct anomaly score. Rows are taken from the highest score down; each step
/// adds the false-positive weights of the rows that start firing and moves a window's first detection
/// earlier when one of its earlier rows starts firing, so the whole sweep is one sort and one pass.
/// </summary>
public static class ThresholdSweep
{
    public static (double Threshold, double Score) Best(IReadOnlyList<NabFile> files, CostMatrix costs)
    {
        // Per row: its score, and either the window it belongs to (with its detection weight) or its false-positive weight.
        List<(double Score, int Window, int Row, double Weight)> rows = [];
        List<int> earliest = [];
        List<double> detection = [];
        foreach (var file in files)
        {
            var probation = NabScorer.ProbationaryRows(file.Scores.Count);
            var w = 0;
            for (var i = 0; i < file.Scores.Count; i++)
            {
                while (w < file.Windows.Count && file.Windows[w].Right < i)
                {
                    w++;
                }
                if (i < probation)
                {
                    continue;
                }
                if (w < file.Windows.Count && file.Windows[w].Left <= i)
                {
                    var window = file.Windows[w];
                    var weight = NabScorer.ScaledSigmoid(-(double)(window.Right - i + 1) / window.Width) * costs.TpWeight / NabScorer.ScaledSigmoid(-1.0);
                    rows.Add((file.Scores[i], earliest.Count + w, i, weight));
                }
                else
                {
                    var weight = w == 0 ? -costs.FpWeight
                        : NabScorer.ScaledSigmoid((double)Math.Abs(file.Windows[w - 1].Right - i) / (file.Windows[w - 1].Width - 1)) * costs.FpWeight;
                    rows.Add((file.Scores[i], -1, i, weight));
                }
            }
            earliest.AddRange(Enumerable.Repeat(int.MaxValue, file.Windows.Count));
            detection.AddRange(Enumerable.Repeat(-costs.FnWeight, file.Windows.Count));
        }
        rows.Sort((a, b) => b.Score.CompareTo(a.Score));
        // No threshold above the highest score fires nothing: every window missed.
        var total = detection.Sum();
        var best = (Threshold: rows.Count > 0 ? Math.BitIncrement(rows[0].Score) : 1.0, Score: total);
        for (var k = 0; k < rows.Count;)
        {
            var threshold = rows[k].Score;
            for (; k < rows.Count && rows[k].Score == threshold; k++)
            {
                var (_, window, row, weight) = rows[k];
                if (window < 0)
                {
                    total += weight;
                }
                else if (row < earliest[window])
                {
                    total += weight - detection[window];
                    earliest[window] = row;
                    detection[window] = weight;
                }
            }
            if (total > best.Score)
            {
                best = (threshold, total);
            }
        }
        return best;
    }
}
