using System.CommandLine;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Keel.Bench;

/// <summary>
/// <c>pagination</c>: <c>GET /v1/keys?limit=&amp;cursor=</c> of a deep page (10,000 by default) against page 1
/// (and page 2 and a middle page, for shape) of one tenant's list of a million keys, seeded straight into the
/// database. The pages are requested in turn on one connection, so noise hits them alike; every answer is
/// checked (200, the expected first key, <c>limit</c> items, a next cursor).
/// </summary>
public static class PaginationScenario
{
    public static Command Command()
    {
        var command = PaginationSettings.AddTo(new Command("pagination",
            "Keyset pagination: a deep page of a large list against page 1, per storage provider"));
        command.SetAction((parse, ct) => RunAsync(PaginationSettings.From(parse), ct));
        return command;
    }

    static async Task<int> RunAsync(PaginationSettings s, CancellationToken ct)
    {
        if (s.Problem is { } problem)
        {
            await Console.Error.WriteLineAsync($"bench pagination: {problem}");
            return 2;
        }
        // A bound for a hung run: 1 ms per seeded row and 20 ms per request, far above what a run takes.
        var requests = (long)(s.Warmup + (s.Requests * s.Repeat)) * s.Pages.Length;
        var limit = TimeSpan.FromMinutes(5) + (s.Providers.Count * (TimeSpan.FromMilliseconds(s.Rows) + TimeSpan.FromMilliseconds(20 * requests)));
        using var watchdog = Watchdog.Start(limit);
        await Console.Error.WriteLineAsync($"bench pagination: {string.Join(", ", s.Providers)}; {s.Rows:N0} keys; {Machine.Describe()}");

        using var commands = new DbCommandCounter();
        var runs = new List<ProviderRun>();
        foreach (var provider in s.Providers)
        {
            runs.Add(await RunProviderAsync(provider, s, commands, ct));
        }
        Console.WriteLine(PaginationReport.Markdown(new PaginationRun(s, runs)));
        var failed = runs.Any(r => r.Errors > 0);
        if (failed)
        {
            await Console.Error.WriteLineAsync("bench pagination: some requests failed (see the errors columns); these numbers are not valid.");
        }
        return failed ? 1 : 0;
    }

    static async Task<ProviderRun> RunProviderAsync(string provider, PaginationSettings s, DbCommandCounter commands, CancellationToken ct)
    {
        var loadBefore = Machine.LoadAverage();
        await using var database = provider == "postgres" ? await PostgresDatabase.CreateAsync(s.Postgres!, ct) : null;
        var settings = database is null ? null : new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = database.ConnectionString,
        };
        await using var server = await KeelServer.StartAsync(settings, ct);
        var storage = new BenchStorage(server);
        using var client = LoadGenerator.CreateClient(server.BaseAddress);
        var (tenantId, managementKey) = await KeelApi.NewTenantAsync(client, "bench-pages", ct);

        await Console.Error.WriteLineAsync($"  {storage.ProviderName}: seeding {s.Rows:N0} keys");
        var seed = await KeySeeder.SeedAsync(storage, tenantId, s.Rows, ct);
        await Console.Error.WriteLineAsync($"  {storage.ProviderName}: seeded in {seed.Insert.TotalSeconds:F1} s ({seed.RowsPerSecond:N0} rows/s), {seed.AnalyzeCommand} in {seed.Analyze.TotalSeconds:F1} s");
        // Keel's pooled SQLite connections read the planner statistics when they open.
        SqliteConnection.ClearAllPools();

        var (pages, total) = await PageTarget.FindAsync(storage, tenantId, s, ct);
        var requests = pages.Select(p => p.Request(managementKey, s.Limit)).ToArray();
        if (s.Warmup > 0)
        {
            await ProgressAsync(storage.ProviderName, "warm-up", await LoadGenerator.RoundRobinAsync(client, requests, s.Warmup, ct));
        }
        string? error = null;
        var query = await QueryPlan.CaptureAsync(commands, IsDeepPageQuery, async () => error = await requests[^1].SendAsync(client, ct));
        var plan = await QueryPlan.ExplainAsync(storage, query, ct);
        await Console.Error.WriteLineAsync($"  {storage.ProviderName}: plan of the page {s.Page} query{(error is null ? "" : $" (that request failed: {error})")}:\n{plan}");

        var repeats = new List<RunResult[]>();
        for (var i = 0; i < s.Repeat; i++)
        {
            Settle();
            var results = await LoadGenerator.RoundRobinAsync(client, requests, s.Requests, ct);
            repeats.Add(results);
            await ProgressAsync(storage.ProviderName, $"repeat {i + 1}/{s.Repeat}", results);
        }
        return new ProviderRun(storage.ProviderName, seed, total, pages, repeats, query, plan, loadBefore, Machine.LoadAverage());
    }

    /// <summary>The keys list with a cursor: <c>... FROM api_keys ... id &lt; @after ORDER BY ... LIMIT</c> (quoted on SQLite).</summary>
    static bool IsDeepPageQuery(string sql) =>
        (sql.Contains("FROM \"api_keys\"", StringComparison.Ordinal) || sql.Contains("FROM api_keys", StringComparison.Ordinal)) && sql.Contains(" < ", StringComparison.Ordinal)
        && sql.Contains("ORDER BY", StringComparison.Ordinal) && sql.Contains("LIMIT", StringComparison.Ordinal);

    /// <summary>Starts each repeat from a collected heap, so one repeat's garbage is not charged to the next.</summary>
    static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    static async Task ProgressAsync(string provider, string label, RunResult[] results)
    {
        var line = new StringBuilder($"  {provider} {label}:");
        foreach (var r in results)
        {
            line.Append($"  {r.Name} p50 {r.Latency.Percentile(50).TotalMilliseconds:F3} p99 {r.Latency.Percentile(99).TotalMilliseconds:F3} ms, errors {r.Errors}");
            if (r.FirstError is { } e)
            {
                line.Append($" (first: {e})");
            }
        }
        line.Append($"  deep/1 p50 {Ratio(results[^1], results[0], 50):F2}");
        await Console.Error.WriteLineAsync(line.ToString());
    }

    public static double Ratio(RunResult deep, RunResult first, double percentile) =>
        deep.Latency.Percentile(percentile).TotalMilliseconds / first.Latency.Percentile(percentile).TotalMilliseconds;
}

/// <summary>The whole pagination scenario: one run per provider.</summary>
public sealed record PaginationRun(PaginationSettings Settings, List<ProviderRun> Providers);

/// <summary>One provider's run: seeding, the pages, the results of each repeat (one per page, in page order) and the deep page's query plan.</summary>
public sealed record ProviderRun(
    string Provider, SeedResult Seed, long Total, PageTarget[] Pages, List<RunResult[]> Repeats, CapturedCommand Query, string Plan,
    string LoadBefore, string LoadAfter)
{
    public long Errors => Repeats.Sum(r => r.Sum(p => p.Errors));
}
