using System.CommandLine;
using System.Text.Json;

namespace Keel.Bench;

/// <summary>
/// <c>verify</c>: <c>POST /v1/keys/verify</c> of a valid client key, authenticated by a management
/// key, against <c>GET /bench/trivial</c> on the same Kestrel server. Each repeat measures both
/// closed-loop (throughput) and open-loop at a fixed rate (latency), alternating which goes first,
/// and counts the database commands Keel executes during the verify runs. With <c>--keel-process</c>
/// Keel runs as its own process (<see cref="KeelProcess"/>), the baseline is its <c>GET /health/live</c>
/// and the database commands are not counted. With <c>--plan</c> the same verify of a key on a rate plan that
/// never refuses (<see cref="PlannedKey"/>) is measured beside them, in every repeat, its limits in Keel's memory
/// or in Redis, and every verification sent must have spent its key's quota.
/// </summary>
public static class VerifyScenario
{
    public const string VerifyPath = "/v1/keys/verify";
    public const string MemoryPlan = "verify+memory";
    public const string RedisPlan = "verify+redis";

    public static Command Command()
    {
        var command = LoadSettings.AddTo(new Command("verify",
            "Key verification against a trivial endpoint on the same server: throughput, latency, database writes"));
        var keelProcess = new Option<bool>("--keel-process")
        {
            Description = "Run Keel as a separate process (dotnet keel.dll serve) with GET /health/live as the baseline; database writes are not counted",
        };
        var plan = new Option<string>("--plan")
        {
            Description = "Also verify a key on a rate plan that never refuses: its limits in Keel's memory, in Redis (a redis-server of the bench's own, "
                + "and a second Keel configured with it), or both; measured beside the key without a plan",
            DefaultValueFactory = _ => "none",
        };
        plan.AcceptOnlyFromAmong("none", "memory", "redis", "all");
        var redisServer = new Option<string?>("--redis-server")
        {
            Description = $"redis-server binary for --plan redis|all. Default: ${RateLimitSettings.RedisServerVariable}, else redis-server on PATH",
        };
        command.Options.Add(keelProcess);
        command.Options.Add(plan);
        command.Options.Add(redisServer);
        command.SetAction((parse, ct) => RunAsync(LoadSettings.From(parse), parse.GetValue(keelProcess), parse.GetValue(plan)!,
            RateLimitSettings.RedisServerPath(parse.GetValue(redisServer)), ct));
        return command;
    }

    static async Task<int> RunAsync(LoadSettings settings, bool keelProcess, string plans, string redisServer, CancellationToken ct)
    {
        var (memoryPlan, redisPlan) = (plans is "memory" or "all", plans is "redis" or "all");
        var endpointCount = 2 + (memoryPlan ? 1 : 0) + (redisPlan ? 1 : 0);
        var plan = (endpointCount * settings.Warmup) + (2 * endpointCount * settings.Repeat * settings.Duration);
        using var watchdog = Watchdog.Start((2 * plan) + TimeSpan.FromMinutes(2));
        await Console.Error.WriteLineAsync($"bench verify: about {plan.TotalSeconds:F0} s of load; {Machine.Describe()}");
        var loadBefore = Machine.LoadAverage();

        // In-process only: the counter sees the EF Core commands of this process.
        using var commands = keelProcess ? null : new DbCommandCounter();
        await using var keel = await KeelAsync(keelProcess, null, ct);
        using var client = LoadGenerator.CreateClient(keel.BaseAddress);
        var managementKey = await KeelApi.CreateTenantAsync(client, "bench", ct);
        var clientKey = await KeelApi.CreateKeyAsync(client, managementKey, new { name = "bench client", prefix = "bench" }, ct);

        var (trivialPath, trivialBody) = keelProcess ? (KeelProcess.TrivialPath, KeelProcess.TrivialBody) : (KeelServer.TrivialPath, KeelServer.TrivialBody);
        var trivial = new Endpoint(BenchRequest.Get("trivial", trivialPath, trivialBody), client);
        var verify = new Endpoint(BenchRequest.PostJson("verify", VerifyPath, managementKey, JsonSerializer.Serialize(new { key = clientKey }),
            "\"valid\":true", "\"code\":\"VALID\""), client);

        // Keel decides limits in Redis or in memory for the whole process: the Redis plan needs a second Keel, configured with
        // a redis-server of the bench's own (so its statistics count only this run), alive beside the first through every run.
        var planned = new List<(Endpoint Endpoint, PlannedKey Key)>();
        if (memoryPlan)
        {
            var key = await PlannedKey.CreateAsync(client, MemoryPlan, managementKey, ct);
            planned.Add((new Endpoint(key.Request(), client), key));
        }
        await using var redis = redisPlan ? await RedisServerProcess.StartAsync(redisServer) : null;
        await using var redisKeel = redis is null ? null
            : await KeelAsync(keelProcess, new Dictionary<string, string?> { ["Redis:ConnectionString"] = $"127.0.0.1:{redis.Port}" }, ct);
        using var redisClient = redisKeel is null ? null : LoadGenerator.CreateClient(redisKeel.BaseAddress);
        if (redisClient is not null)
        {
            var key = await PlannedKey.CreateAsync(redisClient, RedisPlan, await KeelApi.CreateTenantAsync(redisClient, "bench-redis", ct), ct);
            planned.Add((new Endpoint(key.Request(), redisClient), key));
        }
        // Verifications sent to each planned key, to hold against its quota at the end: each one must have spent one.
        var sent = planned.ToDictionary(p => p.Key.Name, _ => 0L);
        foreach (var (endpoint, key) in planned)
        {
            await key.CheckAsync(endpoint.Client, ct);
            sent[key.Name]++;
            await Console.Error.WriteLineAsync($"  {key.Name}: the answer carries the plan's ratelimit and quota ({PlannedKey.Describe()})");
        }
        Endpoint[] endpoints = [trivial, verify, .. planned.Select(p => p.Endpoint)];

        var failed = false;
        if (settings.Warmup > TimeSpan.Zero)
        {
            foreach (var endpoint in endpoints)
            {
                var warm = await LoadGenerator.ClosedLoopAsync(endpoint.Client, endpoint.Request, settings.Connections, settings.Warmup, ct);
                failed |= await ProgressAsync("warm-up", "closed", warm);
                if (sent.ContainsKey(endpoint.Request.Name))
                {
                    sent[endpoint.Request.Name] += warm.Requests;
                }
            }
        }

        var repeats = new List<VerifyRepeat>();
        for (var i = 0; i < settings.Repeat; i++)
        {
            // Alternate the order of the endpoints, so drift in the machine's speed hits all alike.
            var order = i % 2 == 0 ? endpoints : [.. endpoints.Reverse()];
            var label = $"repeat {i + 1}/{settings.Repeat}";
            var results = new Dictionary<(string, bool), RunResult>();
            var redisUse = new Dictionary<(string, bool), RedisUse>();
            // The database commands of each verify endpoint's runs (null when not counted).
            var runCommands = endpoints.Skip(1).ToDictionary(e => e.Request.Name, _ => commands is null ? null : (DbCommands?)default(DbCommands));
            foreach (var open in new[] { false, true })
            {
                foreach (var (request, endpointClient) in order)
                {
                    Settle();
                    var before = commands?.Snapshot();
                    var onRedis = redis is not null && endpointClient == redisClient;
                    var redisCpu = onRedis ? await RedisUse.StartAsync(redis!) : TimeSpan.Zero;
                    var result = open
                        ? await LoadGenerator.OpenLoopAsync(endpointClient, request, settings.Rate, settings.Duration, ct)
                        : await LoadGenerator.ClosedLoopAsync(endpointClient, request, settings.Connections, settings.Duration, ct);
                    if (onRedis)
                    {
                        redisUse[(request.Name, open)] = await RedisUse.EndAsync(redis!, redisCpu);
                    }
                    if (runCommands.ContainsKey(request.Name))
                    {
                        runCommands[request.Name] += commands?.Snapshot() - before;
                    }
                    if (sent.ContainsKey(request.Name))
                    {
                        sent[request.Name] += result.Requests;
                    }
                    results[(request.Name, open)] = result;
                    failed |= await ProgressAsync(label, open ? $"{settings.Rate}/s" : "closed", result);
                }
            }
            RedisUse? Redis(string name, bool open) => redisUse.TryGetValue((name, open), out var use) ? use : null;
            repeats.Add(new VerifyRepeat(results[("trivial", false)], results[("verify", false)],
                results[("trivial", true)], results[("verify", true)], runCommands["verify"],
                [.. planned.Select(p => p.Key.Name).Select(name => new PlanRepeat(name, results[(name, false)], results[(name, true)], runCommands[name],
                    Redis(name, false), Redis(name, true)))]));
        }

        // Every verification sent must have spent one unit of its key's quota: the checks ran on every request, not only on the first.
        var quotaChecks = new List<QuotaCheck>();
        foreach (var (endpoint, key) in planned)
        {
            var used = await key.CheckAsync(endpoint.Client, ct);
            quotaChecks.Add(new QuotaCheck(key.Name, ++sent[key.Name], used));
        }
        var uncounted = quotaChecks.Any(q => q.Used != q.Sent);

        var run = new VerifyRun(settings, repeats, commands?.Snapshot(), loadBefore, Machine.LoadAverage(), keelProcess, $"GET {trivialPath}", quotaChecks);
        Console.WriteLine(VerifyReport.Markdown(run));
        if (planned.Count > 0)
        {
            Console.WriteLine(VerifyPlanReport.Markdown(run));
        }
        if (failed)
        {
            await Console.Error.WriteLineAsync("bench verify: some requests failed (see the errors columns); these numbers are not valid.");
        }
        if (uncounted)
        {
            await Console.Error.WriteLineAsync("bench verify: a planned key's quota did not count every verification sent (see the quota check); these numbers are not valid.");
        }
        return failed || uncounted ? 1 : 0;
    }

    /// <summary>Keel in this process or in its own, with <paramref name="settings"/> on top of the bench defaults.</summary>
    static async Task<IKeel> KeelAsync(bool ownProcess, IReadOnlyDictionary<string, string?>? settings, CancellationToken ct) =>
        ownProcess ? await KeelProcess.StartAsync(settings, ct) : await KeelServer.StartAsync(settings, ct);

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
/// Keel ran as a separate process), the machine's load before and after, where Keel ran, the baseline request,
/// and for each key on a plan its quota's count at the end against the verifications sent (none without --plan).
/// </summary>
public sealed record VerifyRun(LoadSettings Settings, List<VerifyRepeat> Repeats, DbCommands? AllCommands, string LoadBefore, string LoadAfter,
    bool SeparateProcess, string Baseline, IReadOnlyList<QuotaCheck> QuotaChecks);

/// <summary>
/// One repeat of the verify scenario: four runs, the database commands of the two verify runs (null when not counted),
/// and the two runs of each key on a plan (none without --plan).
/// </summary>
public sealed record VerifyRepeat(RunResult ClosedTrivial, RunResult ClosedVerify, RunResult OpenTrivial, RunResult OpenVerify, DbCommands? VerifyCommands,
    IReadOnlyList<PlanRepeat> Plans)
{
    public double Ratio => ClosedVerify.RequestsPerSecond / ClosedTrivial.RequestsPerSecond;

    public long VerifyRequests => ClosedVerify.Requests + OpenVerify.Requests;

    public IEnumerable<RunResult> Closed => [ClosedTrivial, ClosedVerify, .. Plans.Select(p => p.Closed)];

    public IEnumerable<RunResult> Open => [OpenTrivial, OpenVerify, .. Plans.Select(p => p.Open)];
}

/// <summary>
/// The two runs of a key on a plan in one repeat, the database commands Keel executed during them (null when not counted),
/// and what the bench's redis-server did during each (null when the limits are in Keel's memory).
/// </summary>
public sealed record PlanRepeat(string Name, RunResult Closed, RunResult Open, DbCommands? Commands, RedisUse? ClosedRedis, RedisUse? OpenRedis)
{
    public long Requests => Closed.Requests + Open.Requests;
}

/// <summary>A key on a plan after the last run: verifications sent to it in all (set-up checks and warm-up included), and its quota's count.</summary>
public sealed record QuotaCheck(string Name, long Sent, long Used);

/// <summary>A request and the client that sends it (each Keel server has its own).</summary>
internal sealed record Endpoint(BenchRequest Request, HttpClient Client);
