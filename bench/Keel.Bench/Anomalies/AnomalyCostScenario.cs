using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Keel.Usage.Anomalies;

namespace Keel.Bench.Anomalies;

/// <summary>
/// <c>anomalies</c>: what Keel's detector costs for many series on one node. Every series gets one value per interval
/// (a daily wave plus noise), on one thread; first a warm-up past the detector's own warm-up so every measured update
/// scores, then the measured intervals. The baseline is the same loop updating one exponential average per series,
/// the least any per-series detector must do. Memory is the managed heap's growth when the series are made.
/// </summary>
public static class AnomalyCostScenario
{
    public static Command Command()
    {
        var series = new Option<int>("--series") { DefaultValueFactory = _ => 100_000 };
        var intervals = new Option<int>("--intervals") { Description = "Measured intervals", DefaultValueFactory = _ => 300 };
        var warmup = new Option<int>("--warmup") { Description = "Intervals fed before measuring (default: 25 hours, past the detector's one-day warm-up)", DefaultValueFactory = _ => 300 };
        var minutes = new Option<int>("--monitor-minutes")
        {
            Description = "Minutes fed through AnomalyMonitor, the scanner's loop (default: 25 hours, what a new leaseholder replays; 0: skip)",
            DefaultValueFactory = _ => 1500,
        };
        var command = new Command("anomalies", "Anomaly detector cost: updates/s and bytes per series for many series") { series, intervals, warmup, minutes };
        command.SetAction(parse =>
        {
            var code = Run(parse.GetValue(series), parse.GetValue(intervals), parse.GetValue(warmup));
            return parse.GetValue(minutes) > 0 ? MonitorCost.Run(parse.GetValue(series), parse.GetValue(minutes)) : code;
        });
        return command;
    }

    static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    static int Run(int seriesCount, int intervals, int warmup)
    {
        Console.WriteLine($"Machine: {Machine.Describe()}; load average before {Machine.LoadAverage()}.");
        var noise = Noise(4096);
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var detector = new RobustDetector(new AnomaliesOptions());
        var all = new IAnomalySeries[seriesCount];
        for (var s = 0; s < all.Length; s++)
        {
            all[s] = detector.NewSeries();
        }
        var bytesPerSeries = (GC.GetTotalMemory(forceFullCollection: true) - before) / (double)seriesCount;
        Feed(all, noise, start, 0, warmup);
        var keel = Measure(() => Feed(all, noise, start, warmup, intervals));

        var levels = new double[seriesCount];
        var baseline = Measure(() => FeedAverage(levels, noise, intervals));

        var updates = (double)seriesCount * intervals;
        var table = new MarkdownTable("loop", "series", "intervals", "updates/s", "ns/update", "bytes allocated/update", "ratio to baseline");
        table.Row("Keel's detector", F($"{seriesCount:N0}"), F($"{intervals}"), F($"{updates / keel.Elapsed.TotalSeconds:N0}"),
            F($"{keel.Elapsed.TotalNanoseconds / updates:0.0}"), F($"{keel.Allocated / updates:0.00}"), F($"{keel.Elapsed / baseline.Elapsed:0.0}x"));
        table.Row("baseline: one EWMA", F($"{seriesCount:N0}"), F($"{intervals}"), F($"{updates / baseline.Elapsed.TotalSeconds:N0}"),
            F($"{baseline.Elapsed.TotalNanoseconds / updates:0.0}"), F($"{baseline.Allocated / updates:0.00}"), "1.0x");
        Console.WriteLine();
        Console.Write(table);
        Console.WriteLine();
        Console.WriteLine(F($"State: {bytesPerSeries:0} bytes per series (managed heap growth for {seriesCount:N0} series, the array of references included), {bytesPerSeries * seriesCount / 1024 / 1024:0.0} MiB in all; load average after {Machine.LoadAverage()}."));
        GC.KeepAlive(all);
        return 0;
    }

    static void Feed(IAnomalySeries[] all, double[] noise, DateTimeOffset start, int from, int count)
    {
        var fired = 0L;
        for (var i = from; i < from + count; i++)
        {
            var at = start + (i * Interval);
            var wave = 100 + (30 * Math.Sin(2 * Math.PI * at.TimeOfDay.TotalDays));
            for (var s = 0; s < all.Length; s++)
            {
                fired += all[s].Observe(at, wave + noise[(s + (i * 7)) & (noise.Length - 1)]).Score >= 0.5 ? 1 : 0;
            }
        }
        GC.KeepAlive(fired);
    }

    static void FeedAverage(double[] levels, double[] noise, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var wave = 100 + (30 * Math.Sin(2 * Math.PI * (i * Interval).TotalDays));
            for (var s = 0; s < levels.Length; s++)
            {
                levels[s] += 0.05 * (wave + noise[(s + (i * 7)) & (noise.Length - 1)] - levels[s]);
            }
        }
    }

    internal static (TimeSpan Elapsed, long Allocated) Measure(Action run)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        run();
        return (clock.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocated);
    }

    /// <summary>Gaussian noise (standard deviation 3) from a fixed seed, so every run feeds the same values.</summary>
    internal static double[] Noise(int count)
    {
        var random = new Random(42);
        return [.. Enumerable.Range(0, count).Select(_ => 3 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))];
    }

    internal static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
