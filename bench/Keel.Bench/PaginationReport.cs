using System.Globalization;
using System.Text;
using static Keel.Bench.ReportFormat;

namespace Keel.Bench;

/// <summary>The pagination scenario's results as Markdown: per provider, seeding, each page per repeat, the ratios and the deep page's plan.</summary>
internal static class PaginationReport
{
    const double RatioTarget = 2;

    public static string Markdown(PaginationRun run)
    {
        var s = run.Settings;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.Describe()}. Load generator and Keel in one process.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Settings: {s.Rows:N0} keys seeded, limit {s.Limit}, pages {string.Join(", ", s.Pages)}, {s.Requests} requests per page per repeat "
            + $"(one connection, one request at a time, the pages in turn), {s.Repeat} repeats, {s.Warmup} warm-up requests per page.");
        text.AppendLine();
        foreach (var p in run.Providers)
        {
            Provider(text, p);
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"Targets (medians of the repeats; page {s.Page} against page 1):").AppendLine();
        var targets = new MarkdownTable("provider", "target", "measured p50 ratio", "p99 ratio", "errors", "met");
        foreach (var p in run.Providers)
        {
            var ratio = Median(p.Repeats.Select(r => PaginationScenario.Ratio(r[^1], r[0], 50)));
            var p99 = Median(p.Repeats.Select(r => PaginationScenario.Ratio(r[^1], r[0], 99)));
            targets.Row(p.Provider, $"page {s.Page} p50 <= {RatioTarget} x page 1 p50", $"{ratio:F2} x", $"{p99:F2} x", $"{p.Errors}",
                Met(ratio <= RatioTarget && p.Errors == 0));
        }
        text.AppendLine(targets.ToString());
        return text.ToString();
    }

    static void Provider(StringBuilder text, ProviderRun p)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"#### {p.Provider}").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) before: {p.LoadBefore}; after: {p.LoadAfter}.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Seeding: {p.Seed.Rows:N0} keys in {p.Seed.Insert.TotalSeconds:F1} s ({p.Seed.RowsPerSecond:N0} rows/s), then `{p.Seed.AnalyzeCommand}` in {p.Seed.Analyze.TotalSeconds:F1} s; "
            + $"{p.Total:N0} keys in the tenant's list (the seeded ones and the owner's management key).");
        text.AppendLine();

        var runs = new MarkdownTable("repeat", "page", "requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms");
        foreach (var (results, i) in p.Repeats.Select((r, i) => (r, i + 1)))
        {
            foreach (var r in results)
            {
                runs.Row($"{i}", r.Name, $"{r.Requests}", $"{r.Errors}", $"{r.RequestsPerSecond:F0}", Ms(r.Latency.Percentile(50)),
                    Ms(r.Latency.Percentile(90)), Ms(r.Latency.Percentile(99)), Ms(r.Latency.Max));
            }
        }
        text.AppendLine("Latency from send to the last byte of the checked answer; req/s = answers per second of time spent on that page:").AppendLine();
        text.AppendLine(runs.ToString());

        var columns = SummaryColumns(p.Pages);
        var summary = new MarkdownTable([.. columns.Select(c => c.Header).Prepend("repeat").Append("GC gen0/1/2, pause")]);
        foreach (var (r, i) in p.Repeats.Select((r, i) => (r, i + 1)))
        {
            summary.Row([.. columns.Select(c => c.Format(c.Value(r))).Prepend($"{i}").Append(r[0].Gc.ToString())]);
        }
        summary.Row([.. columns.Select(c => c.Format(Median(p.Repeats.Select(c.Value)))).Prepend("median").Append("-")]);
        text.AppendLine("Per repeat, and the median of each column (ratios of p50 or p99 latencies; GC: the whole repeat, all pages):").AppendLine();
        text.AppendLine(summary.ToString());

        var deep = p.Pages[^1].Name;
        text.AppendLine(CultureInfo.InvariantCulture, $"The {deep} query as Keel issued it, and its plan:").AppendLine();
        text.AppendLine("```sql").Append(p.Query.ToString()).AppendLine("```").AppendLine();
        text.AppendLine("```").Append(p.Plan).AppendLine("```").AppendLine();
    }

    sealed record Column(string Header, Func<RunResult[], double> Value, Func<double, string> Format);

    /// <summary>
    /// Page 1 and the deep page (p50, p99, their ratios: the target), every page between against page 1, and the deep
    /// page against page 2: depth alone, with a cursor on both sides. A repeat's results are in page order.
    /// </summary>
    static List<Column> SummaryColumns(PageTarget[] pages)
    {
        static double P(RunResult r, double percentile) => r.Latency.Percentile(percentile).TotalMilliseconds;
        static string Ratio(double x) => x.ToString("F2", CultureInfo.InvariantCulture);
        static string Milliseconds(double ms) => Ms(TimeSpan.FromMilliseconds(ms));
        var (first, deep) = (pages[0].Name, pages[^1].Name);
        var columns = new List<Column>
        {
            new($"{first} p50 ms", r => P(r[0], 50), Milliseconds),
            new($"{deep} p50 ms", r => P(r[^1], 50), Milliseconds),
            new($"{deep} / {first} p50", r => P(r[^1], 50) / P(r[0], 50), Ratio),
            new($"{first} p99 ms", r => P(r[0], 99), Milliseconds),
            new($"{deep} p99 ms", r => P(r[^1], 99), Milliseconds),
            new($"{deep} / {first} p99", r => P(r[^1], 99) / P(r[0], 99), Ratio),
        };
        for (var k = 1; k < pages.Length - 1; k++)
        {
            var page = k;
            columns.Add(new($"{pages[k].Name} / {first} p50", r => P(r[page], 50) / P(r[0], 50), Ratio));
        }
        if (pages.Length > 2)
        {
            columns.Add(new($"{deep} / {pages[1].Name} p50", r => P(r[^1], 50) / P(r[1], 50), Ratio));
        }
        return columns;
    }
}
