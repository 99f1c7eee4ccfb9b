using System.Globalization;
using System.Text;
using static Keel.Bench.ReportFormat;

namespace Keel.Bench;

/// <summary>The storm scenario's results as Markdown: throughput against the baseline, lag, where the time went, the targets.</summary>
internal static class StormReport
{
    const double ThroughputTarget = 6000;
    const int LagTargetRate = 300;
    static readonly TimeSpan LagTarget = TimeSpan.FromMilliseconds(250);

    public static string Markdown(StormRun run)
    {
        var (s, repeats) = (run.Settings, run.Repeats);
        var text = new StringBuilder();
        var where = s.KeelProcess
            ? "Keel in its own process (`dotnet keel.dll serve`, role all); the receivers and the load generator in the bench's process"
            : "Keel (role all), the receivers and the load generator in one process";
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.Describe()}. {where}; {(s.IsPostgres ? "PostgreSQL" : "SQLite")} on the same machine.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) before: {run.LoadBefore}; after: {run.LoadAfter}.");
        var keelBytes = repeats.Sum(r => r.Keel.RequestBytes) / (double)Math.Max(1, repeats.Sum(r => r.Keel.Tally.ArrivalTimes.Length));
        var baseBytes = repeats.Sum(r => r.Baseline.RequestBytes) / (double)Math.Max(1, repeats.Sum(r => r.Baseline.Arrived));
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Settings: {s.Events:N0} events x {s.Endpoints} endpoints, {s.Publishers} concurrent publishers, Webhooks:MaxConcurrency {s.Concurrency} "
            + $"(the baseline's concurrency too), {s.PayloadBytes}-byte payloads (request bodies: Keel {keelBytes:F0} bytes, baseline {baseBytes:F0}), "
            + $"{s.Warmup:N0} warm-up events; lag phase {s.Rate} events/s for {s.LagSeconds} s to {(s.LagToOne ? "1 endpoint" : $"all {s.Endpoints} endpoints")}; "
            + $"{s.Repeat} repeat(s).");
        if (run.Warmup is { } w)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Warm-up: {w.Delivered:N0}/{w.Expected:N0} deliveries arrived, {w.Duplicates} duplicates.");
        }
        text.AppendLine();

        text.AppendLine("Throughput: deliveries/s at the receivers, from the first arrival to the last and in the middle 80% of arrivals (sustained); "
            + "the baseline is the same number of plain POSTs from one HttpClient at the same concurrency to the same receivers:").AppendLine();
        var throughput = new MarkdownTable("repeat", "first", "events", "publish events/s", "deliveries", "arrived", "missing", "duplicates",
            "Keel deliveries/s", "Keel middle 80%", "baseline req/s", "baseline middle 80%", "Keel / baseline (middle 80%)");
        foreach (var (r, i) in repeats.Select((r, i) => (r, i + 1)))
        {
            var t = r.Keel.Tally;
            throughput.Row($"{i}", r.BaselineFirst ? "baseline" : "Keel", $"{t.Published}", $"{r.Keel.Publish.RequestsPerSecond:F0}", $"{t.Expected}",
                $"{t.Delivered}", $"{t.Missing}", $"{t.Duplicates}", $"{r.Keel.Rate.PerSecond:F0}", $"{r.Keel.Rate.MiddlePerSecond:F0}",
                $"{r.Baseline.Rate.PerSecond:F0}", $"{r.Baseline.Rate.MiddlePerSecond:F0}", $"{r.Ratio:F2}");
        }
        text.AppendLine(throughput.ToString());

        text.AppendLine("The throughput phase in time (from the first publish): deliveries/s while the publishers ran and after the last publish was answered:").AppendLine();
        var timing = new MarkdownTable("repeat", "publishing s", "to last arrival s", "to all recorded s", "deliveries/s while publishing", "deliveries/s after",
            "baseline s", "baseline errors");
        foreach (var (r, i) in repeats.Select((r, i) => (r, i + 1)))
        {
            timing.Row($"{i}", Seconds(r.Keel.PublishingTime), Seconds(r.Keel.ToLastArrival), r.Keel.ToAllRecorded is { } a ? Seconds(a) : "not within the wait",
                $"{r.Keel.RateWhilePublishing:F0}", $"{r.Keel.RateAfterPublishing:F0}", Seconds(r.Baseline.Send.Elapsed), $"{r.Baseline.Send.Errors}");
        }
        text.AppendLine(timing.ToString());

        text.AppendLine(CultureInfo.InvariantCulture,
            $"Lag: {s.Rate} events/s on a fixed schedule for {s.LagSeconds} s, each event to {(s.LagToOne ? "1 endpoint" : $"{s.Endpoints} endpoints")}; "
            + $"publish to first attempt = the time the receiver got the first request for (event, endpoint) minus the time the publish was "
            + $"scheduled (no coordinated omission; \"from send\": minus the time it was actually sent). The baseline is the publish request's own latency:").AppendLine();
        var lag = new MarkdownTable("repeat", "events", "deliveries", "missing", "duplicates", "p50 ms", "p90 ms", "p99 ms", "max ms", "p99 from send ms",
            "publish p50 ms", "publish p99 ms", "lag p99 / publish p99", "send lag p99 ms", "Keel's lag metric: mean ms, p99 bucket");
        foreach (var (r, i) in repeats.Select((r, i) => (r, i + 1)))
        {
            var (t, p, m) = (r.Lag.Tally, r.Lag.Publish, r.Lag.Profile.Metrics);
            lag.Row($"{i}", $"{t.Published}", $"{t.Expected}", $"{t.Missing}", $"{t.Duplicates}", Pct(t.LagFromScheduled, 50), Pct(t.LagFromScheduled, 90),
                Pct(t.LagFromScheduled, 99), Ms(t.LagFromScheduled.Max), Pct(t.LagFromSent, 99), Pct(p.Latency, 50), Pct(p.Latency, 99),
                $"{t.LagFromScheduled.Percentile(99) / p.Latency.Percentile(99):F1}", Pct(p.SendLag!, 99),
                m.Any ? $"{Ms(m.LagMean)}, {m.LagPercentileBound(99)}" : "not exported");
        }
        text.AppendLine(lag.ToString());

        Profile(text, repeats);
        Targets(text, run);
        return text.ToString();
    }

    static void Profile(StringBuilder text, List<StormRepeat> repeats)
    {
        text.AppendLine("Where the time went, from Keel's rows (publish to the start of the attempt: waiting to be claimed and for a send slot; attempt to "
            + "recorded: the request and waiting for the outcome's batch) and CPU time in cores (1.00 = one core busy the whole phase; "
            + "PostgreSQL background = its WAL writer, checkpointer, autovacuum and the like; \"other\" = the rest of the machine):").AppendLine();
        var profile = new MarkdownTable("repeat", "phase", "to attempt p50 ms", "p99 ms", "attempt to recorded p50 ms", "p99 ms", "retried", "dead",
            "machine cores", "bench", "Keel", "PostgreSQL backends", "PostgreSQL background", "other", "DB commands per delivery (writes + others)");
        var perDelivery = new MarkdownTable("repeat", "phase", "deliveries", "bench µs", "Keel µs", "PostgreSQL backends µs", "all three µs",
            "deliveries/s if they had 2 cores to themselves");
        foreach (var (r, i) in repeats.Select((r, i) => (r, i + 1)))
        {
            foreach (var (name, p, deliveries) in new[] { ("throughput", r.Keel.Profile, r.Keel.Tally.Expected), ("lag", r.Lag.Profile, r.Lag.Tally.Expected) })
            {
                var (tl, cpu) = (p.Timeline, p.Cpu);
                profile.Row($"{i}", name, Pct(tl.ToAttempt, 50), Pct(tl.ToAttempt, 99), Pct(tl.AttemptToRecorded, 50), Pct(tl.AttemptToRecorded, 99),
                    $"{tl.Retried}", $"{tl.Dead}", Cores(cpu, cpu.MachineBusy), Cores(cpu, cpu.Bench), cpu.Keel is { } k ? Cores(cpu, k) : "(in bench)",
                    cpu.Database is { } d ? Cores(cpu, d) : "n/a", cpu.DatabaseBackground is { } bg ? Cores(cpu, bg) : "n/a", Cores(cpu, cpu.Other),
                    p.Commands is { } c && deliveries > 0 ? $"{c.Writes / (double)deliveries:F3} + {c.Others / (double)deliveries:F3}" : "not counted");
                var all = cpu.Bench + (cpu.Keel ?? TimeSpan.Zero) + (cpu.Database ?? TimeSpan.Zero);
                perDelivery.Row($"{i}", name, $"{deliveries}", Micros(cpu.Bench, deliveries), cpu.Keel is { } pk ? Micros(pk, deliveries) : "(in bench)",
                    cpu.Database is { } pd ? Micros(pd, deliveries) : "n/a", Micros(all, deliveries),
                    all > TimeSpan.Zero ? $"{2 * deliveries / all.TotalSeconds:F0}" : "n/a");
            }
            var (after, drained) = (r.Keel.AfterPublishing, r.Keel.DeliveredAfterPublishing);
            var afterAll = after.Bench + (after.Keel ?? TimeSpan.Zero) + (after.Database ?? TimeSpan.Zero);
            perDelivery.Row($"{i}", "throughput, after publishing", $"{drained}", Micros(after.Bench, drained),
                after.Keel is { } ak ? Micros(ak, drained) : "(in bench)", after.Database is { } ad ? Micros(ad, drained) : "n/a", Micros(afterAll, drained),
                afterAll > TimeSpan.Zero && drained > 0 ? $"{2 * drained / afterAll.TotalSeconds:F0}" : "n/a");
            var b = r.Baseline.Cpu;
            profile.Row($"{i}", "baseline", "-", "-", "-", "-", "-", "-", Cores(b, b.MachineBusy), Cores(b, b.Bench),
                b.Keel is { } bk ? Cores(b, bk) : "(in bench)", b.Database is { } bd ? Cores(b, bd) : "n/a", Cores(b, b.Other), "-");
            perDelivery.Row($"{i}", "baseline", $"{r.Baseline.Arrived}", Micros(b.Bench, r.Baseline.Arrived), "-", "-", Micros(b.Bench, r.Baseline.Arrived),
                b.Bench > TimeSpan.Zero ? $"{2 * r.Baseline.Arrived / b.Bench.TotalSeconds:F0}" : "n/a");
        }
        text.AppendLine(profile.ToString());
        text.AppendLine("CPU time per delivery (per request for the baseline), publishing included in the Keel phases (\"after publishing\": from the last "
            + "publish answered to the last outcome recorded, the dispatcher alone draining the backlog): a measure of the work that does not "
            + "depend on what else the machine runs; the last column is an upper bound (2 cores divided by the work per delivery, as if the work "
            + "spread perfectly over both cores and PostgreSQL's background processes cost nothing):").AppendLine();
        text.AppendLine(perDelivery.ToString());

        foreach (var (name, p) in new[] { ("throughput", repeats[0].Keel.Profile), ("lag", repeats[0].Lag.Profile) })
        {
            if (p.Activity is not { Count: > 0 } activity)
            {
                continue;
            }
            text.AppendLine(CultureInfo.InvariantCulture,
                $"PostgreSQL backends busy during the {name} phase of repeat 1 (pg_stat_activity every 50 ms; average backends per sample in each statement and wait; CPU = running, not waiting):").AppendLine();
            var table = new MarkdownTable("statement", "state or wait", "average backends");
            foreach (var (statement, state, backends) in activity.Take(12))
            {
                table.Row(statement, state, backends.ToString("F2", CultureInfo.InvariantCulture));
            }
            table.Row("all", "", activity.Sum(a => a.Backends).ToString("F2", CultureInfo.InvariantCulture));
            text.AppendLine(table.ToString());
        }
    }

    static void Targets(StringBuilder text, StormRun run)
    {
        var (s, repeats) = (run.Settings, run.Repeats);
        var sustained = Median(repeats.Select(r => r.Keel.Rate.MiddlePerSecond));
        var baseline = Median(repeats.Select(r => r.Baseline.Rate.MiddlePerSecond));
        var ratio = Median(repeats.Select(r => r.Ratio));
        var lagP99 = TimeSpan.FromMilliseconds(Median(repeats.Select(r => r.Lag.Tally.LagFromScheduled.Percentile(99).TotalMilliseconds)));
        var publishP99 = TimeSpan.FromMilliseconds(Median(repeats.Select(r => r.Lag.Publish.Latency.Percentile(99).TotalMilliseconds)));
        var missing = repeats.Sum(r => r.Keel.Tally.Missing + r.Lag.Tally.Missing);
        var duplicates = repeats.Sum(r => r.Keel.Tally.Duplicates + r.Lag.Tally.Duplicates);
        var asTarget = s.Events == 100_000 && s.Endpoints == 10 && s.IsPostgres;
        text.AppendLine(CultureInfo.InvariantCulture, $"Targets (medians of the repeats){(asTarget ? "" : "; this run's settings differ from the target's (100,000 events x 10 endpoints on PostgreSQL), so it only indicates")}:").AppendLine();
        text.AppendLine(new MarkdownTable("target", "measured", "baseline in the same run", "met")
            .Row("Webhook storm: >= 6,000 deliveries/s sustained on 2 cores", $"{sustained:F0} deliveries/s (middle 80%), {ratio:F2} x the baseline",
                $"{baseline:F0} plain POSTs/s", Met(sustained >= ThroughputTarget))
            .Row($"publish-to-first-attempt p99 < 250 ms at {LagTargetRate} events/s to all endpoints (this run: {s.Rate} events/s)", $"{Ms(lagP99)} ms ({s.LagEndpoints} endpoint(s) per event)",
                $"publish request p99 {Ms(publishP99)} ms", Met(lagP99 < LagTarget && s.Rate >= LagTargetRate && !s.LagToOne))
            .Row("every (event, endpoint) arrives", $"{missing} missing, {duplicates} duplicates", "-", Met(missing == 0))
            .ToString());
    }

    internal static string Pct(LatencyHistogram h, double percentile) => Ms(h.Percentile(percentile));

    internal static string CpuLine(CpuWindow c) =>
        $"machine {c.Cores(c.MachineBusy):F2} cores, bench {c.Cores(c.Bench):F2}" + (c.Keel is { } k ? $", Keel {c.Cores(k):F2}" : "")
        + (c.Database is { } d ? $", PostgreSQL backends {c.Cores(d):F2}" : "")
        + (c.DatabaseBackground is { } bg ? $", PostgreSQL background {c.Cores(bg):F2}" : "");

    static string Cores(CpuWindow c, TimeSpan t) => c.Cores(t).ToString("F2", CultureInfo.InvariantCulture);

    static string Micros(TimeSpan t, long count) => count > 0 ? (t.TotalMicroseconds / count).ToString("F0", CultureInfo.InvariantCulture) : "n/a";

    static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
}
