using System.Globalization;
using System.Text;
using static Keel.Bench.ReportFormat;

namespace Keel.Bench;

/// <summary>The verify scenario's results as Markdown: details per run, then per repeat with the median and the targets.</summary>
internal static class VerifyReport
{
    const double RatioTarget = 0.5;
    static readonly TimeSpan P99Target = TimeSpan.FromMilliseconds(2);
    const string NotMeasured = "not measured (separate process)";

    public static string Markdown(VerifyRun run)
    {
        var (s, repeats) = (run.Settings, run.Repeats);
        var text = new StringBuilder();
        var where = run.SeparateProcess
            ? "Keel in its own process (dotnet keel.dll serve), the load generator in this one, on the same cores."
            : "Load generator and Keel in one process.";
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.Describe()}. {where}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Baseline (\"trivial\"): {run.Baseline} on the same Keel server.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) before: {run.LoadBefore}; after: {run.LoadAfter}.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Settings: {s.Duration.TotalSeconds:F0} s per run, {s.Connections} connections closed-loop, {s.Rate} req/s open-loop, {s.Repeat} repeats, {s.Warmup.TotalSeconds:F0} s warm-up.");
        text.AppendLine();

        text.AppendLine(CultureInfo.InvariantCulture, $"Closed loop, {s.Connections} connections (latency from send to last byte of the answer):").AppendLine();
        var closed = new MarkdownTable("repeat", "endpoint", "requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms");
        foreach (var (r, i) in repeats.Select((r, i) => (r, i + 1)))
        {
            foreach (var result in r.Closed)
            {
                closed.Row($"{i}", result.Name, $"{result.Requests}", $"{result.Errors}", $"{result.RequestsPerSecond:F0}",
                    Ms(result.Latency.Percentile(50)), Ms(result.Latency.Percentile(90)), Ms(result.Latency.Percentile(99)), Ms(result.Latency.Max));
            }
        }
        text.AppendLine(closed.ToString());
        text.AppendLine(run.SeparateProcess
            ? "Garbage collections per run (the load generator's process only; Keel's are not counted):"
            : "Garbage collections per run (the whole process: Keel and the load generator):").AppendLine();
        var gc = new MarkdownTable("repeat", "mode", "endpoint", "gen0/1/2 collections", "GC pause ms");
        foreach (var (r, i) in repeats.Select((r, i) => (r, i + 1)))
        {
            foreach (var (mode, result) in r.Closed.Select(c => ("closed", c)).Concat(r.Open.Select(o => ($"{s.Rate}/s", o))))
            {
                gc.Row($"{i}", mode, result.Name, $"{result.Gc.Gen0}/{result.Gc.Gen1}/{result.Gc.Gen2}", $"{result.Gc.Pause.TotalMilliseconds:F0}");
            }
        }
        text.AppendLine(gc.ToString());

        text.AppendLine(CultureInfo.InvariantCulture,
            $"Open loop at {s.Rate} req/s (latency from the scheduled send time; send lag = how late the generator sent; p99 from send = without that lag):").AppendLine();
        var open = new MarkdownTable("repeat", "endpoint", "requests", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms", "send lag p99 ms", "p99 from send ms");
        foreach (var (r, i) in repeats.Select((r, i) => (r, i + 1)))
        {
            foreach (var result in r.Open)
            {
                open.Row($"{i}", result.Name, $"{result.Requests}", $"{result.Errors}", Ms(result.Latency.Percentile(50)), Ms(result.Latency.Percentile(90)),
                    Ms(result.Latency.Percentile(99)), Ms(result.Latency.Max), Ms(result.SendLag!.Percentile(99)), Ms(result.FromSend!.Percentile(99)));
            }
        }
        text.AppendLine(open.ToString());

        text.AppendLine("Per repeat and median (DB writes: INSERT/UPDATE/DELETE executed by Keel during the two verify runs of the repeat):").AppendLine();
        var summary = new MarkdownTable("repeat", "trivial req/s", "verify req/s", "verify/trivial", "trivial p99 ms", "verify p99 ms",
            $"trivial p99 ms @{s.Rate}/s", $"verify p99 ms @{s.Rate}/s", "verify requests", "DB writes", "DB reads/other", "DB writes per verify");
        foreach (var (r, i) in repeats.Select((r, i) => (r, i + 1)))
        {
            summary.Row($"{i}", $"{r.ClosedTrivial.RequestsPerSecond:F0}", $"{r.ClosedVerify.RequestsPerSecond:F0}", $"{r.Ratio:F2}",
                Ms(r.ClosedTrivial.Latency.Percentile(99)), Ms(r.ClosedVerify.Latency.Percentile(99)),
                Ms(r.OpenTrivial.Latency.Percentile(99)), Ms(r.OpenVerify.Latency.Percentile(99)),
                $"{r.VerifyRequests}", Count(r.VerifyCommands?.Writes), Count(r.VerifyCommands?.Others), PerVerify(r.VerifyCommands?.Writes, r.VerifyRequests));
        }
        var totalWrites = run.SeparateProcess ? (long?)null : repeats.Sum(r => r.VerifyCommands!.Value.Writes);
        var totalOthers = run.SeparateProcess ? (long?)null : repeats.Sum(r => r.VerifyCommands!.Value.Others);
        var totalVerifies = repeats.Sum(r => r.VerifyRequests);
        var ratio = Median(repeats.Select(r => r.Ratio));
        var openP99 = TimeSpan.FromMilliseconds(Median(repeats.Select(r => r.OpenVerify.Latency.Percentile(99).TotalMilliseconds)));
        summary.Row("median", $"{Median(repeats.Select(r => r.ClosedTrivial.RequestsPerSecond)):F0}",
            $"{Median(repeats.Select(r => r.ClosedVerify.RequestsPerSecond)):F0}", $"{ratio:F2}",
            MedianMs(repeats, r => r.ClosedTrivial), MedianMs(repeats, r => r.ClosedVerify),
            MedianMs(repeats, r => r.OpenTrivial), Ms(openP99),
            $"{totalVerifies} (sum)", Sum(totalWrites), Sum(totalOthers), PerVerify(totalWrites, totalVerifies));
        text.AppendLine(summary.ToString());
        text.AppendLine(run.AllCommands is { } all
            ? $"Database commands over the whole process (setup included; shows the counter is live): {all.Writes} writes, {all.Others} others."
            : $"Database commands: {NotMeasured}; the counter sees only EF Core commands of the bench's own process.");
        text.AppendLine();

        var errors = repeats.Sum(r => r.Closed.Concat(r.Open).Sum(run => run.Errors));
        text.AppendLine("Targets (medians of the repeats):").AppendLine();
        text.AppendLine(new MarkdownTable("target", "measured", "met")
            .Row("verify throughput >= 0.5 x trivial", $"{ratio:F2} x", Met(ratio >= RatioTarget))
            .Row($"verify p99 < 2 ms at {s.Rate} req/s", $"{Ms(openP99)} ms (trivial on the same server: {MedianMs(repeats, r => r.OpenTrivial)} ms; "
                + $"generator send lag p99: {Ms(TimeSpan.FromMilliseconds(Median(repeats.Select(r => r.OpenVerify.SendLag!.Percentile(99).TotalMilliseconds))))} ms)",
                Met(openP99 < P99Target))
            .Row("no database write per verify", totalWrites is { } w ? $"{w} writes in {totalVerifies} verifications" : NotMeasured,
                totalWrites is { } tw ? Met(tw * 1000 < totalVerifies) : "n/a")
            .Row("every answer right (200, VALID)", $"{errors} errors", Met(errors == 0))
            .ToString());
        return text.ToString();
    }

    static string MedianMs(List<VerifyRepeat> repeats, Func<VerifyRepeat, RunResult> run) =>
        Ms(TimeSpan.FromMilliseconds(Median(repeats.Select(r => run(r).Latency.Percentile(99).TotalMilliseconds))));

    static string PerVerify(long? writes, long verifies) => writes is not { } w ? NotMeasured
        : verifies == 0 ? "n/a" : (w / (double)verifies).ToString("0.#######", CultureInfo.InvariantCulture);

    static string Count(long? n) => n is { } v ? $"{v}" : NotMeasured;

    static string Sum(long? n) => n is { } v ? $"{v} (sum)" : NotMeasured;
}
