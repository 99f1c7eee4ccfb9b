using System.Globalization;

namespace Keel.Bench.Nab;

/// <summary>
/// Where one detector's raw NAB score differs from another's: per window, the weight of each one's first detection
/// (or the miss), split into windows both find (earliness), windows only one finds, and false-positive cost per family.
/// </summary>
public static class NabGap
{
    /// <summary>Per window of a file: the credited weight (or −fnWeight) and the first firing row (−1 when missed); the summed false-positive cost.</summary>
    public static (List<(double Weight, int Row)> Windows, double FalsePositiveCost, int FalsePositiveRows) Breakdown(NabFile file, double threshold, CostMatrix costs)
    {
        var probation = NabScorer.ProbationaryRows(file.Scores.Count);
        var windows = file.Windows.Select(_ => (Weight: -costs.FnWeight, Row: -1)).ToList();
        double fpCost = 0;
        var fpRows = 0;
        var w = 0;
        for (var i = 0; i < file.Scores.Count; i++)
        {
            while (w < file.Windows.Count && file.Windows[w].Right < i)
            {
                w++;
            }
            if (i < probation || file.Scores[i] < threshold)
            {
                continue;
            }
            if (w < file.Windows.Count && file.Windows[w].Left <= i)
            {
                if (windows[w].Row < 0)
                {
                    var window = file.Windows[w];
                    windows[w] = (NabScorer.ScaledSigmoid(-(double)(window.Right - i + 1) / window.Width) * costs.TpWeight / NabScorer.ScaledSigmoid(-1.0), i);
                }
                continue;
            }
            fpRows++;
            fpCost += w == 0 ? costs.FpWeight
                : -NabScorer.ScaledSigmoid((double)Math.Abs(file.Windows[w - 1].Right - i) / (file.Windows[w - 1].Width - 1)) * costs.FpWeight;
        }
        return (windows, fpCost, fpRows);
    }

    /// <summary>Prints the split of the raw-score difference and the windows whose credited weight differs by more than 0.05.</summary>
    public static void Report(string nameA, double thresholdA, IReadOnlyList<NabFile> a, string nameB, double thresholdB, IReadOnlyList<NabFile> b, CostMatrix costs)
    {
        double bothA = 0, bothB = 0, onlyA = 0, onlyB = 0;
        int both = 0, countOnlyA = 0, countOnlyB = 0, earlierA = 0, earlierB = 0, neither = 0;
        Dictionary<string, (double A, double B, int RowsA, int RowsB)> fp = [];
        List<string> lines = [];
        foreach (var (fa, fb) in a.Zip(b))
        {
            var family = fa.Key[..fa.Key.IndexOf('/', StringComparison.Ordinal)];
            var (wa, costA, rowsA) = Breakdown(fa, thresholdA, costs);
            var (wb, costB, rowsB) = Breakdown(fb, thresholdB, costs);
            var f = fp.GetValueOrDefault(family);
            fp[family] = (f.A + costA, f.B + costB, f.RowsA + rowsA, f.RowsB + rowsB);
            for (var k = 0; k < wa.Count; k++)
            {
                var (x, y) = (wa[k], wb[k]);
                if (x.Row >= 0 && y.Row >= 0)
                {
                    both++;
                    bothA += x.Weight;
                    bothB += y.Weight;
                    earlierA += x.Row < y.Row ? 1 : 0;
                    earlierB += y.Row < x.Row ? 1 : 0;
                }
                else if (x.Row >= 0)
                {
                    countOnlyA++;
                    onlyA += x.Weight + costs.FnWeight;
                }
                else if (y.Row >= 0)
                {
                    countOnlyB++;
                    onlyB += y.Weight + costs.FnWeight;
                }
                else
                {
                    neither++;
                }
                if (Math.Abs(x.Weight - y.Weight) > 0.05)
                {
                    var window = fa.Windows[k];
                    lines.Add(F($"| {fa.Key} | {k} [{window.Left}, {window.Right}] w {window.Width} | {(x.Row < 0 ? "miss" : F($"{x.Row - window.Left} ({x.Weight:0.00})"))} | {(y.Row < 0 ? "miss" : F($"{y.Row - window.Left} ({y.Weight:0.00})"))} | {y.Weight - x.Weight:+0.00;-0.00} |"));
                }
            }
        }
        Console.WriteLine(F($"{nameA} at {thresholdA:0.######} against {nameB} at {thresholdB:0.######} (raw score, {nameB} minus {nameA}):"));
        Console.WriteLine();
        Console.WriteLine("| part | windows | " + nameA + " | " + nameB + " | difference |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        Console.WriteLine(F($"| found by both (weight of the first detection; {nameA} earlier in {earlierA}, {nameB} in {earlierB}) | {both} | {bothA:0.000} | {bothB:0.000} | {bothB - bothA:+0.000;-0.000} |"));
        Console.WriteLine(F($"| found by {nameA} only (weight + the miss avoided) | {countOnlyA} | {onlyA:0.000} | 0 | {-onlyA:+0.000;-0.000} |"));
        Console.WriteLine(F($"| found by {nameB} only | {countOnlyB} | 0 | {onlyB:0.000} | {onlyB:+0.000;-0.000} |"));
        Console.WriteLine(F($"| missed by both | {neither} | | | |"));
        foreach (var (family, (ca, cb, ra, rb)) in fp.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Console.WriteLine(F($"| false-positive cost, {family} (rows {ra} / {rb}) | | {-ca:0.000} | {-cb:0.000} | {ca - cb:+0.000;-0.000} |"));
        }
        Console.WriteLine();
        Console.WriteLine("| file | window [rows] width | " + nameA + " first detection, rows after the left edge (weight) | " + nameB + " | difference |");
        Console.WriteLine("| --- | --- | --- | --- | ---: |");
        lines.ForEach(Console.WriteLine);
    }

    static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
