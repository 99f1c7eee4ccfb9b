using System.Globalization;
using System.Text;
using static Keel.Bench.ReportFormat;

namespace Keel.Bench;

/// <summary>
/// The verify scenario's keys on a plan as Markdown, after <see cref="VerifyReport"/>: each beside the key without a plan
/// and the trivial endpoint of the same repeat, then whether the quota counted every verification sent.
/// </summary>
internal static class VerifyPlanReport
{
    public static string Markdown(VerifyRun run)
    {
        var (s, repeats) = (run.Settings, run.Repeats);
        var text = new StringBuilder();
        var names = repeats[0].Plans.Select(p => p.Name).ToList();
        text.Append(CultureInfo.InvariantCulture, $"With a rate plan ({PlannedKey.Describe()}: never refuses in a run, so each verify pays for the checks, not for refusals).");
        if (names.Contains(VerifyScenario.MemoryPlan))
        {
            text.Append(CultureInfo.InvariantCulture, $" {VerifyScenario.MemoryPlan}: a key on that plan on the same Keel as trivial and verify, its bucket and quota in Keel's memory.");
        }
        if (names.Contains(VerifyScenario.RedisPlan))
        {
            text.Append(CultureInfo.InvariantCulture, $" {VerifyScenario.RedisPlan}: a key on that plan on a second Keel ")
                .Append(run.SeparateProcess ? "process" : "in the bench's process")
                .Append(" configured with Redis:ConnectionString to a redis-server of the bench's own (its bucket and quota in Redis), alive through every run.");
        }
        text.AppendLine(" Every answer of a key on a plan had to be VALID and carry its ratelimit and quota.");
        text.AppendLine();
        text.Append(CultureInfo.InvariantCulture,
            $"Closed loop ({s.Connections} connections) and open loop ({s.Rate} req/s), per repeat and median; x verify and x trivial are throughput ratios to the runs of the same repeat ")
            .AppendLine("(DB writes: INSERT/UPDATE/DELETE executed by Keel during the two runs; Redis scripts: EVALSHA and EVAL per verification; redis-server CPU: share of one core during the closed-loop run):").AppendLine();
        var table = new MarkdownTable("repeat", "endpoint", "req/s", "x verify", "x trivial", "p99 ms", $"p99 ms @{s.Rate}/s", $"verify p99 ms @{s.Rate}/s",
            "errors", "DB writes", "Redis scripts per verify", "redis-server CPU");
        foreach (var (r, i) in repeats.Select((r, i) => (r, i + 1)))
        {
            foreach (var p in r.Plans)
            {
                table.Row($"{i}", p.Name, $"{p.Closed.RequestsPerSecond:F0}", $"{ToVerify(r, p):F2}", $"{ToTrivial(r, p):F2}",
                    Ms(p.Closed.Latency.Percentile(99)), Ms(p.Open.Latency.Percentile(99)), Ms(r.OpenVerify.Latency.Percentile(99)),
                    $"{p.Closed.Errors + p.Open.Errors}", Writes(p.Commands?.Writes), Scripts([p], p.Requests), Cpu(p));
            }
        }
        foreach (var name in names)
        {
            var runs = repeats.Select(r => (Repeat: r, Plan: r.Plans.Single(p => p.Name == name))).ToList();
            var writes = run.SeparateProcess ? (long?)null : runs.Sum(x => x.Plan.Commands!.Value.Writes);
            var plans = runs.Select(x => x.Plan).ToList();
            table.Row("median", name, $"{Median(plans.Select(p => p.Closed.RequestsPerSecond)):F0}",
                $"{Median(runs.Select(x => ToVerify(x.Repeat, x.Plan))):F2}", $"{Median(runs.Select(x => ToTrivial(x.Repeat, x.Plan))):F2}",
                MedianP99(plans.Select(p => p.Closed)), MedianP99(plans.Select(p => p.Open)), MedianP99(repeats.Select(r => r.OpenVerify)),
                $"{plans.Sum(p => p.Closed.Errors + p.Open.Errors)} (sum)", writes is { } w ? $"{w} (sum)" : Writes(null),
                Scripts(plans, plans.Sum(p => p.Requests)), plans[0].ClosedRedis is null ? "n/a" : $"{Median(plans.Select(CpuShare)):P0}");
        }
        text.AppendLine(table.ToString());

        text.AppendLine("Quota check (after the last run, one more verify of each key on a plan reads its quota; every verification sent, set-up checks and warm-up included, must have spent one):").AppendLine();
        var check = new MarkdownTable("endpoint", "verifications sent", "quota used", "every one counted");
        foreach (var q in run.QuotaChecks)
        {
            check.Row(q.Name, $"{q.Sent}", $"{q.Used}", Met(q.Used == q.Sent));
        }
        text.AppendLine(check.ToString());
        return text.ToString();
    }

    static double ToVerify(VerifyRepeat r, PlanRepeat p) => p.Closed.RequestsPerSecond / r.ClosedVerify.RequestsPerSecond;

    static double ToTrivial(VerifyRepeat r, PlanRepeat p) => p.Closed.RequestsPerSecond / r.ClosedTrivial.RequestsPerSecond;

    static string MedianP99(IEnumerable<RunResult> runs) => Ms(TimeSpan.FromMilliseconds(Median(runs.Select(r => r.Latency.Percentile(99).TotalMilliseconds))));

    static string Writes(long? writes) => writes is { } w ? $"{w}" : "not measured (separate process)";

    /// <summary>Scripts Redis ran per verification over <paramref name="plans"/>' runs; n/a when the limits are in memory.</summary>
    static string Scripts(List<PlanRepeat> plans, long requests) => plans[0].ClosedRedis is null || requests == 0 ? "n/a"
        : (plans.Sum(p => p.ClosedRedis!.ScriptCalls + p.OpenRedis!.ScriptCalls) / (double)requests).ToString("F2", CultureInfo.InvariantCulture);

    static double CpuShare(PlanRepeat p) => p.ClosedRedis!.Cpu / p.Closed.Elapsed;

    static string Cpu(PlanRepeat p) => p.ClosedRedis is null ? "n/a" : CpuShare(p).ToString("P0", CultureInfo.InvariantCulture);
}
