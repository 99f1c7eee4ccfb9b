using System.Globalization;
using System.Text;
using static Keel.Bench.ReportFormat;

namespace Keel.Bench.Publish;

/// <summary>One repeat: Keel's publish and trivial endpoint from the bench's client, the database's commit rate, and wrk's view of both.</summary>
public sealed record PublishRepeat(RunResult Publish, RunResult Trivial, RunResult Commit, OutsideResult? WrkPublish, OutsideResult? WrkTrivial, int Batch)
{
    /// <summary>Events Keel accepted in this repeat, by either client.</summary>
    public long Accepted => (Publish.Requests - Publish.Errors + (WrkPublish is { } w ? w.Requests - w.Non2xx : 0)) * Batch;

    public double Events => Publish.RequestsPerSecond * Batch;

    public double? WrkEvents => WrkPublish?.RequestsPerSecond * Batch;
}

public sealed record PublishRun(PublishSettings Settings, IReadOnlyList<PublishRepeat> Repeats, long Accepted, long Stored, string LoadBefore, string LoadAfter)
{
    /// <summary>
    /// Any failed publish, or any accepted event not stored. wrk counts no answer that arrives after its deadline, so up to
    /// one publish per connection and wrk run may be stored without being counted; more than that is a stray.
    /// </summary>
    public bool Failed => Stored < Accepted || Stored > Accepted + (Settings.Wrk is null ? 0 : Settings.Connections * Repeats.Count * Settings.Batch)
        || Repeats.Any(r => r.Publish.Errors > 0 || r.WrkPublish?.Non2xx > 0 || r.Commit.Errors > 0);
}

/// <summary>The publish scenario's Markdown report: a row per repeat and the medians, against the targets.</summary>
public static class PublishReport
{
    /// <summary>Events/s with no endpoint, and p99, at 16 connections on PostgreSQL's durable defaults.</summary>
    public const double TargetEventsPerSecond = 3000;
    public static readonly TimeSpan TargetP99 = TimeSpan.FromMilliseconds(20);

    public static string Line(PublishRepeat r) =>
        $"publish {Rate(r.Events)} events/s (p99 {Ms(r.Publish.Latency.Percentile(99))} ms, {r.Publish.Errors} errors), "
        + $"trivial {Rate(r.Trivial.RequestsPerSecond)}/s, commits {Rate(r.Commit.RequestsPerSecond)}/s"
        + (r.WrkPublish is { } w ? $"; wrk publish {Rate(r.WrkEvents!.Value)} events/s (p99 {Ms(w.P99)} ms, {w.Non2xx} non-2xx)" : "")
        + (r.WrkTrivial is { } t ? $", wrk trivial {Rate(t.RequestsPerSecond)}/s" : "");

    public static string Markdown(PublishRun run)
    {
        var s = run.Settings;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## Publish: {s.Connections} connections, {s.Endpoints} endpoint(s), {(s.Batch == 1 ? "one event per request" : $"{s.Batch} events per request (POST /v1/events/batch)")}, {(s.IsPostgres ? "PostgreSQL" : "SQLite")}, Keel in its own process");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Machine.Describe()}; load average {run.LoadBefore} → {run.LoadAfter}; {s.Duration.TotalSeconds:F0} s per run, "
            + $"{s.PayloadBytes}-byte payloads; latencies are per request; outside load generator: {(s.Wrk is null ? "none" : "wrk -t1")}.");
        text.AppendLine();
        var table = new MarkdownTable("repeat", "bench events/s", "p50 ms", "p99 ms", "wrk events/s", "wrk p50 ms", "wrk p99 ms",
            "trivial req/s (bench)", "trivial req/s (wrk)", "db commits/s", "publish / commits", "errors");
        for (var i = 0; i < run.Repeats.Count; i++)
        {
            var r = run.Repeats[i];
            table.Row((i + 1).ToString(CultureInfo.InvariantCulture), Rate(r.Events), Ms(r.Publish.Latency.Percentile(50)),
                Ms(r.Publish.Latency.Percentile(99)), r.WrkEvents is { } w ? Rate(w) : "-", r.WrkPublish is { } w50 ? Ms(w50.P50) : "-",
                r.WrkPublish is { } w99 ? Ms(w99.P99) : "-", Rate(r.Trivial.RequestsPerSecond), r.WrkTrivial is { } t ? Rate(t.RequestsPerSecond) : "-",
                Rate(r.Commit.RequestsPerSecond), Ratio(r.Events / r.Commit.RequestsPerSecond),
                (r.Publish.Errors + (r.WrkPublish?.Non2xx ?? 0)).ToString(CultureInfo.InvariantCulture));
        }
        text.Append(table);
        text.AppendLine();
        var bench = Median(run.Repeats.Select(r => r.Events));
        var benchP99 = TimeSpan.FromTicks((long)Median(run.Repeats.Select(r => (double)r.Publish.Latency.Percentile(99).Ticks)));
        text.AppendLine(CultureInfo.InvariantCulture, $"Medians of {run.Repeats.Count}: the bench's client {Rate(bench)} events/s, p99 {Ms(benchP99)} ms; "
            + $"{Ratio(bench / Median(run.Repeats.Select(r => r.Commit.RequestsPerSecond)))} x the database's one-row commits, "
            + $"{Ratio(bench / Median(run.Repeats.Select(r => r.Trivial.RequestsPerSecond)))} x the trivial endpoint.");
        if (run.Repeats.All(r => r.WrkPublish is not null))
        {
            var wrk = Median(run.Repeats.Select(r => r.WrkEvents!.Value));
            var wrkP99 = TimeSpan.FromTicks((long)Median(run.Repeats.Select(r => (double)r.WrkPublish!.P99.Ticks)));
            text.AppendLine(CultureInfo.InvariantCulture, $"wrk: {Rate(wrk)} events/s, p99 {Ms(wrkP99)} ms ({Ratio(wrk / bench)} x the bench's client). "
                + $"Target ({TargetEventsPerSecond:N0} events/s and p99 under {TargetP99.TotalMilliseconds:F0} ms with no endpoint on PostgreSQL's durable defaults, "
                + $"from outside): {(s.Batch == 1 ? Met(s.Endpoints == 0 && s.IsPostgres && wrk >= TargetEventsPerSecond && wrkP99 < TargetP99) : "not judged (it is for one event per request)")}.");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"Accepted {run.Accepted:N0} events (warm-up included); stored {run.Stored:N0}.");
        return text.ToString();
    }

    static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);

    static string Ratio(double ratio) => ratio.ToString("F2", CultureInfo.InvariantCulture);
}
