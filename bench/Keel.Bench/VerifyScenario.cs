using System.CommandLine;
using System.Text.Json;

namespace Keel.Bench;

/// <summary>
/// <c>verify</c>: <c>POST /v1/keys/verify</c> of a valid client key, authenticated by a management
/// key, against <c>GET /bench/trivial</c> on the same Kestrel server. Each repeat measures both
/// closed-loop (throughput) and open-loop at a fixed rate (latency), alternating which goes first,
/// and counts the database commands Keel executes during the verify runs.
/// </summary>
public static class VerifyScenario
{
    public const string VerifyPath = "/v1/keys/verify";

    public static Command Command()
    {
        var command = LoadSettings.AddTo(new Command("verify",
            "Key verification against a trivial endpoint on the same server: throughput, latency, database writes"));
        command.SetAction((parse, ct) => RunAsync(LoadSettings.From(parse), ct));
        return command;
    }

    static async Task<int> RunAsync(LoadSettings settings, CancellationToken ct)
    {
        var plan = (2 * settings.Warmup) + (4 * settings.Repeat * settings.Duration);
        using var watchdog = Watchdog.Start((2 * plan) + TimeSpan.FromMinutes(2));
        await Console.Error.WriteLineAsync($"bench verify: about {plan.TotalSeconds:F0} s of load; {Machine.Describe()}");
        var loadBefore = Machine.LoadAverage();

        using var commands = new DbCommandCounter();
        await using var server = await KeelServer.StartAsync(null, ct);
        using var client = LoadGenerator.CreateClient(server.BaseAddress);
        var managementKey = await KeelApi.CreateTenantAsync(client, "bench", ct);
        var clientKey = await KeelApi.CreateKeyAsync(client, managementKey, new { name = "bench client", prefix = "bench" }, ct);

        var trivial = BenchRequest.Get("trivial", KeelServer.TrivialPath, KeelServer.TrivialBody);
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
            var verifyCommands = default(DbCommands);
            foreach (var open in new[] { false, true })
            {
                foreach (var request in order)
                {
                    Settle();
                    var before = commands.Snapshot();
                    var result = open
                        ? await LoadGenerator.OpenLoopAsync(client, request, settings.Rate, settings.Duration, ct)
                        : await LoadGenerator.ClosedLoopAsync(client, request, settings.Connections, settings.Duration, ct);
                    if (request == verify)
                    {
                        verifyCommands += commands.Snapshot() - before;
                    }
                    results[(request.Name, open)] = result;
                    failed |= await ProgressAsync(label, open ? $"{settings.Rate}/s" : "closed", result);
                }
            }
            repeats.Add(new VerifyRepeat(results[("trivial", false)], results[("verify", false)],
                results[("trivial", true)], results[("verify", true)], verifyCommands));
        }

        var run = new VerifyRun(settings, repeats, commands.Snapshot(), loadBefore, Machine.LoadAverage());
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

/// <summary>The whole verify scenario: its repeats, the database commands of the whole process lifetime, the machine's load before and after.</summary>
public sealed record VerifyRun(LoadSettings Settings, List<VerifyRepeat> Repeats, DbCommands AllCommands, string LoadBefore, string LoadAfter);

/// <summary>One repeat of the verify scenario: four runs, and the database commands of the two verify runs.</summary>
public sealed record VerifyRepeat(RunResult ClosedTrivial, RunResult ClosedVerify, RunResult OpenTrivial, RunResult OpenVerify, DbCommands VerifyCommands)
{
    public double Ratio => ClosedVerify.RequestsPerSecond / ClosedTrivial.RequestsPerSecond;

    public long VerifyRequests => ClosedVerify.Requests + OpenVerify.Requests;
}
