using System.CommandLine;
using System.Text.Json;

namespace Keel.Bench;

/// <summary>
/// <c>verify</c>: <c>POST /v1/keys/verify</c> of a valid client key, authenticated by a management
/// key, against <c>GET /bench/trivial</c> on the same Kestrel server. Each repeat measures both
/// closed-loop (throughput) and open-loop at a fixed rate (latency), alternating which goes first,
/// and counts the database commands Keel executes during the verify runs. With <c>--keel-process</c>
/// Keel runs as its own process (<see cref="KeelProcess"/>), the baseline is its <c>GET /health/live</c>
/// and the database commands are not counted.
/// </summary>
public static class VerifyScenario
{
    public const string VerifyPath = "/v1/keys/verify";

    public static Command Command()
    {
        var command = LoadSettings.AddTo(new Command("verify",
            "Key verification against a trivial endpoint on the same server: throughput, latency, database writes"));
        var keelProcess = new Option<bool>("--keel-process")
        {
            Description = "Run Keel as a separate process (dotnet keel.dll serve) with GET /health/live as the baseline; database writes are not counted",
        };
        command.Options.Add(keelProcess);
        command.SetAction((parse, ct) => RunAsync(LoadSettings.From(parse), parse.GetValue(keelProcess), ct));
        return command;
    }

    static async Task<int> RunAsync(LoadSettings settings, bool keelProcess, CancellationToken ct)
    {
        var plan = (2 * settings.Warmup) + (4 * settings.Repeat * settings.Duration);
        using var watchdog = Watchdog.Start((2 * plan) + TimeSpan.FromMinutes(2));
        await Console.Error.WriteLineAsync($"bench verify: about {plan.TotalSeconds:F0} s of load; {Machine.Describe()}");
        var loadBefore = Machine.LoadAverage();

        // In-process only: the counter sees the EF Core commands of this process.
        using var commands = keelProcess ? null : new DbCommandCounter();
        await using var inProcess = keelProcess ? null : await KeelServer.StartAsync(null, ct);
        await using var ownProcess = keelProcess ? await KeelProcess.StartAsync(null, ct) : null;
        using var client = LoadGenerator.CreateClient(inProcess?.BaseAddress ?? ownProcess!.BaseAddress);
        var managementKey = await KeelApi.CreateTenantAsync(client, "bench", ct);
        var clientKey = await KeelApi.CreateKeyAsync(client, managementKey, new { name = "bench client", prefix = "bench" }, ct);

        var (trivialPath, trivialBody) = keelProcess ? (KeelProcess.TrivialPath, KeelProcess.TrivialBody) : (KeelServer.TrivialPath, KeelServer.TrivialBody);
        var trivial = BenchRequest.Get("trivial", trivialPath, trivialBody);
        var verify = BenchRequest.PostJson("verify", VerifyPath, managementKey, JsonSerializer.Serialize(new { key = clientKey }),
            "\"valid\":true", "\"code\":\"VALID\"");

        var failed = false;
        if (settings.Warmup > TimeSpan.Zero)
        {
            foreach (var request in new[] { trivial, verify })
            {
                var warm = await LoadGenerator.ClosedLoopAsync(client, request, settings.Connections, settings.Warmup, ct);
                failed |= await ProgressAsync("warm-up", "closed", warm);
            }
        }

        var repeats = new List<VerifyRepeat>();
        for (var i = 0; i < settings.Repeat; i++)
        {
            // Alternate which endpoint goes first, so drift in the machine's speed hits both alike.
            var order = i % 2 == 0 ? new[] { trivial, verify } : [verify, trivial];
            var label = $"repeat {i + 1}/{settings.Repeat}";
            var results = new Dictionary<(string, bool), RunResult>();
            var verifyCommands = commands is null ? null : (DbCommands?)default(DbCommands);
            foreach (var open in new[] { false, true })
            {
                foreach (var request in order)
                {
                    Settle();
                    var before = commands?.Snapshot();
                    var result = open
                        ? await LoadGenerator.OpenLoopAsync(client, request, settings.Rate, settings.Duration, ct)
                        : await LoadGenerator.ClosedLoopAsync(client, request, settings.Connections, settings.Duration, ct);
                    if (request == verify)
                    {
                        verifyCommands += commands?.Snapshot() - before;
                    }
                    results[(request.Name, open)] = result;
                    failed |= await ProgressAsync(label, open ? $"{settings.Rate}/s" : "closed", result);
                }
            }
            repeats.Add(new VerifyRepeat(results[("trivial", false)], results[("verify", false)],
                results[("trivial", true)], results[("verify", true)], verifyCommands));
        }

        var run = new VerifyRun(settings, repeats, commands?.Snapshot(), loadBefore, Machine.LoadAverage(), keelProcess, $"GET {trivialPath}");
        Console.WriteLine(VerifyReport.Markdown(run));
        if (failed)
        {
            await Console.Error.WriteLineAsync("bench verify: some requests failed (see the errors columns); these numbers are not valid.");
        }
        return failed ? 1 : 0;
    }

    /// <summary>Starts each run from a collected heap, so one run's garbage is not charged to the next.</summary>
    static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    static async Task<bool> ProgressAsync(string label, string mode, RunResult r)
    {
        if (r.SendLag is { } lag)
        {
            await Console.Error.WriteLineAsync($"    send lag p50 {lag.Percentile(50).TotalMilliseconds:F3} p99 {lag.Percentile(99).TotalMilliseconds:F3} max {lag.Max.TotalMilliseconds:F3} ms");
        }
        await Console.Error.WriteLineAsync(
            $"  {label} {r.Name,-8} {mode,-7} {r.RequestsPerSecond,9:F0} req/s  p99 {r.Latency.Percentile(99).TotalMilliseconds,7:F3} ms  GC {r.Gc}, ~{r.Gc.KilobytesPer(r.Requests)} KB/req  "
            + $"errors {r.Errors}{(r.FirstError is { } e ? $" (first: {e})" : "")}");
        return r.Errors > 0;
    }
}

/// <summary>
/// The whole verify scenario: its repeats, the database commands of the whole process lifetime (null when
/// Keel ran as a separate process), the machine's load before and after, where Keel ran, the baseline request.
/// </summary>
public sealed record VerifyRun(LoadSettings Settings, List<VerifyRepeat> Repeats, DbCommands? AllCommands, string LoadBefore, string LoadAfter,
    bool SeparateProcess, string Baseline);

/// <summary>One repeat of the verify scenario: four runs, and the database commands of the two verify runs (null when not counted).</summary>
public sealed record VerifyRepeat(RunResult ClosedTrivial, RunResult ClosedVerify, RunResult OpenTrivial, RunResult OpenVerify, DbCommands? VerifyCommands)
{
    public double Ratio => ClosedVerify.RequestsPerSecond / ClosedTrivial.RequestsPerSecond;

    public long VerifyRequests => ClosedVerify.Requests + OpenVerify.Requests;
}
