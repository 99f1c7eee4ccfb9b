using System.Globalization;
using System.Text;
using static Keel.Bench.ReportFormat;

namespace Keel.Bench;

/// <summary>The ratelimit scenario's results as Markdown.</summary>
internal static class RateLimitReport
{
    public static string Markdown(RateLimitRun run, double target)
    {
        var s = run.Settings;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.Describe()}; redis-server {run.RedisVersion} of the bench's own on loopback.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) before: {run.LoadBefore}; after: {run.LoadAfter}.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Settings: {s.Duration.TotalSeconds:F0} s per Keel run, {s.Concurrency} concurrent Redis callers on one multiplexer; redis-benchmark -n {s.Requests} "
            + $"with -c {s.Concurrency} (one request in flight per connection) and with -c 1 -P {s.Concurrency}; "
            + $"{s.Threads} memory threads, {s.Keys:N0} keys, {s.Repeat} repeats, {s.Warmup.TotalSeconds:F0} s warm-up. Every check takes 1 token of "
            + $"a bucket of burst {BucketLoad.Spec.Burst:E0} at {BucketLoad.Spec.RequestsPerSecond}/s: always allowed, always a write. Script SHA-1 {run.Sha}.");
        text.AppendLine();

        text.AppendLine("Memory store (checks/s per repeat):").AppendLine();
        var memory = new MarkdownTable([.. run.Repeats[0].Memory.Select(m => $"{m.Callers} thread(s), {m.Keys} key(s)").Prepend("repeat")]);
        foreach (var (r, i) in run.Repeats.Select((r, i) => (r, i + 1)))
        {
            memory.Row([.. r.Memory.Select(m => $"{m.ChecksPerSecond:F0}").Prepend($"{i}")]);
        }
        text.AppendLine(memory.ToString());

        text.AppendLine("Redis store against redis-benchmark (the same EVALSHA, key shape and arguments; latency per check; the server columns from the "
            + "bench's redis-server: its CPU time over the run and `INFO commandstats`; client CPU is the bench process's, per check):").AppendLine();
        var redis = new MarkdownTable("repeat", "keys", "client", "checks/s", "p50 ms", "p99 ms", "redis CPU", "us/EVALSHA in Redis", "EVALSHA/check",
            "client CPU us/check", "KB/check", "errors");
        foreach (var (r, i) in run.Repeats.Select((r, i) => (r, i + 1)))
        {
            foreach (var c in r.Redis.SelectMany(p => new[] { p.Keel, p.Baseline, p.Pipelined }))
            {
                redis.Row($"{i}", c.Keys, c.Client, $"{c.ChecksPerSecond:F0}",
                    c.Latency is { } h ? Ms(h.Percentile(50)) : $"{c.P50Ms:F3}", c.Latency is { } h2 ? Ms(h2.Percentile(99)) : $"{c.P99Ms:F3}",
                    $"{c.Server!.CpuShare(c.Elapsed):P0}", $"{c.Server.MicrosPerCall:F2}", $"{(double)c.Server.EvalshaCalls / c.Checks:F2}",
                    c.ClientCpu is { } cpu ? $"{cpu.TotalMicroseconds / c.Checks:F1}" : "n/a", c.Gc is { } gc ? gc.KilobytesPer(c.Checks) : "n/a",
                    $"{c.Errors + c.Refused}");
            }
        }
        text.AppendLine(redis.ToString());

        text.AppendLine(CultureInfo.InvariantCulture, $"Target: Keel's Redis check at least {target:P0} of redis-benchmark's rate for one EVALSHA round trip.").AppendLine();
        var ratios = new MarkdownTable("keys", "Keel checks/s (median)", $"-c {s.Concurrency} /s (median)", $"Keel / -c {s.Concurrency} per repeat", "median",
            "met", $"-c 1 -P {s.Concurrency} /s (median)", $"Keel / -c 1 -P {s.Concurrency} per repeat");
        foreach (var k in Enumerable.Range(0, run.Repeats[0].Redis.Count))
        {
            var runs = run.Repeats.Select(r => r.Redis[k]).ToList();
            var each = runs.Select(p => p.Keel.ChecksPerSecond / p.Baseline.ChecksPerSecond).ToList();
            var median = Median(each);
            ratios.Row(runs[0].Keel.Keys, $"{Median(runs.Select(p => p.Keel.ChecksPerSecond)):F0}", $"{Median(runs.Select(p => p.Baseline.ChecksPerSecond)):F0}",
                Ratios(each), $"{median:F2}", Met(median >= target), $"{Median(runs.Select(p => p.Pipelined.ChecksPerSecond)):F0}",
                Ratios(runs.Select(p => p.Keel.ChecksPerSecond / p.Pipelined.ChecksPerSecond)));
        }
        text.AppendLine(ratios.ToString());
        return text.ToString();
    }

    static string Ratios(IEnumerable<double> ratios) => string.Join(" / ", ratios.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)));
}
