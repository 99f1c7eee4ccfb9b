namespace Keel.Bench.Nab;

/// <summary>NAB's cost matrix of one profile (profiles.json).</summary>
public sealed record CostMatrix(double TpWeight, double FnWeight, double FpWeight);

/// <summary>An anomaly window as row indexes, both ends included.</summary>
public readonly record struct Window(int Left, int Right)
{
    public int Width => Right - Left + 1;
}

/// <summary>A file's raw score at one threshold, with NAB's per-row confusion counts.</summary>
public readonly record struct FileScore(double Score, int TruePositives, int TrueNegatives, int FalsePositives, int FalseNegatives);

/// <summary>
/// The Numenta Anomaly Benchmark's scoring, as published with the benchmark:
/// probationary rows are not scored; a detection inside a window is worth more the earlier it comes (a scaled
/// sigmoid of its position), only the first one in a window counts, a window without one costs
/// <c>fnWeight</c>; a detection outside windows costs <c>fpWeight</c> scaled by its distance after the last
/// window (in full before the first one).
/// </summary>
public static class NabScorer
{
    /// <summary>Rows scored only after this many: 15% of the file, at most 750.</summary>
    public static double ProbationaryRows(int rows) => Math.Min(Math.Floor(0.15 * rows), 0.15 * 5000);

    /// <summary>NAB's scaled sigmoid: 1 far before a window's end, -1 far after it.</summary>
    public static double ScaledSigmoid(double x) => x > 3 ? -1.0 : (2 / (1 + Math.Exp(5 * x))) - 1;

    public static FileScore Score(IReadOnlyList<double> scores, IReadOnlyList<Window> windows, double threshold, CostMatrix costs)
    {
        var probation = ProbationaryRows(scores.Count);
        var firstDetection = new double?[windows.Count];
        double falsePositives = 0;
        int tp = 0, tn = 0, fp = 0, fn = 0;
        var window = 0; // the first window whose right end is at or after the current row
        for (var i = 0; i < scores.Count; i++)
        {
            while (window < windows.Count && windows[window].Right < i)
            {
                window++;
            }
            if (i < probation)
            {
                continue;
            }
            var fires = scores[i] >= threshold;
            if (window < windows.Count && windows[window].Left <= i)
            {
                var w = windows[window];
                if (!fires)
                {
                    fn++;
                    continue;
                }
                tp++;
                var position = -(double)(w.Right - i + 1) / w.Width;
                firstDetection[window] ??= ScaledSigmoid(position) * costs.TpWeight / ScaledSigmoid(-1.0);
                continue;
            }
            if (!fires)
            {
                tn++;
                continue;
            }
            fp++;
            if (window == 0)
            {
                falsePositives -= costs.FpWeight; // before the first window: a false alarm in full
            }
            else
            {
                var previous = windows[window - 1];
                falsePositives += ScaledSigmoid((double)Math.Abs(previous.Right - i) / (previous.Width - 1)) * costs.FpWeight;
            }
        }
        var score = falsePositives + firstDetection.Sum(d => d ?? -costs.FnWeight);
        return new FileScore(score, tp, tn, fp, fn);
    }

    /// <summary>
    /// NAB's normalised score of a detector over some files: 100 × (raw − null) / (perfect − null), where the null
    /// detector never fires (every window costs <c>fnWeight</c>) and the perfect one fires at each window's start.
    /// </summary>
    public static double Normalised(double raw, int windows, CostMatrix costs)
    {
        var none = -costs.FnWeight * windows;
        var perfect = costs.TpWeight * windows;
        return 100 * (raw - none) / (perfect - none);
    }
}
