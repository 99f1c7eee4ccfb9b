using Keel.Usage.Anomalies;
using Microsoft.Extensions.Options;
using static Keel.Bench.Anomalies.AnomalyCostScenario;

namespace Keel.Bench.Anomalies;

/// <summary>
/// What the scanner's own loop costs: every series' point of a minute handed to <see cref="AnomalyMonitor"/> (series
/// lookup, the detector, the zero for silent series, the anomaly check), minute after minute, as the leaseholder does
/// each minute and as a new leaseholder does for the 25 hours it replays. The database reads are not in it.
/// </summary>
internal static class MonitorCost
{
    public static int Run(int seriesCount, int minutes)
    {
        var options = Options.Create(new AnomaliesOptions());
        var monitor = new AnomalyMonitor(new RobustDetector(options.Value), options, TimeProvider.System);
        var keys = Enumerable.Range(0, seriesCount).Select(i => $"key_{i:D26}").ToArray();
        var noise = Noise(4096);
        var start = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var points = new SeriesPoint[seriesCount];
        var anomalies = 0;
        var cost = Measure(() =>
        {
            for (var m = 0; m < minutes; m++)
            {
                var at = start.AddMinutes(m);
                var wave = 100 + (30 * Math.Sin(2 * Math.PI * at.TimeOfDay.TotalDays));
                for (var s = 0; s < points.Length; s++)
                {
                    points[s] = new SeriesPoint("ten_bench", AnomalySeriesKinds.KeyTraffic, keys[s], wave + noise[(s + (m * 7)) & (noise.Length - 1)]);
                }
                anomalies += monitor.Observe(at, TimeSpan.FromMinutes(1), points).Count;
            }
        });
        var observed = (double)seriesCount * minutes;
        var table = new MarkdownTable("loop", "series", "minutes", "series-minutes/s", "ns per series-minute", "bytes allocated per series-minute", "one minute of all series", "anomalies");
        table.Row("AnomalyMonitor.Observe", F($"{seriesCount:N0}"), F($"{minutes}"), F($"{observed / cost.Elapsed.TotalSeconds:N0}"),
            F($"{cost.Elapsed.TotalNanoseconds / observed:0.0}"), F($"{cost.Allocated / observed:0.0}"), F($"{cost.Elapsed.TotalMilliseconds / minutes:0.0} ms"), F($"{anomalies}"));
        Console.WriteLine();
        Console.Write(table);
        Console.WriteLine();
        Console.WriteLine(F($"The whole run ({minutes} minutes, what a new leaseholder replays by default) took {cost.Elapsed.TotalSeconds:0.0} s; load average after {Machine.LoadAverage()}."));
        return 0;
    }
}
