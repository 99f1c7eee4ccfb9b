using System.CommandLine;
using Keel.Limits;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keel.Bench;

/// <summary>
/// <c>ratelimit</c>: token bucket checks per second. The memory store on one thread and on several, on one shared key
/// and on distinct keys; the Redis store with N concurrent callers over one multiplexer against <c>redis-benchmark</c>
/// running the same script by EVALSHA with N connections, on a redis-server of the bench's own, in the same run.
/// </summary>
public static class RateLimitScenario
{
    const double Target = 0.70;

    public static Command Command()
    {
        var command = RateLimitSettings.AddTo(new Command("ratelimit",
            "Token bucket checks/s: the memory store, and the Redis store against redis-benchmark running the same EVALSHA"));
        command.SetAction((parse, ct) => RunAsync(RateLimitSettings.From(parse), ct));
        return command;
    }

    static async Task<int> RunAsync(RateLimitSettings s, CancellationToken ct)
    {
        // Per repeat: 4 memory runs and 2 Keel Redis runs of --duration, 4 redis-benchmark runs (at 20,000/s or more).
        var plan = (3 * s.Warmup) + (s.Repeat * 6 * s.Duration) + (s.Repeat * 4 * TimeSpan.FromSeconds(s.Requests / 20_000.0));
        using var watchdog = Watchdog.Start((2 * plan) + TimeSpan.FromMinutes(2));
        await Console.Error.WriteLineAsync($"bench ratelimit: about {plan.TotalSeconds:F0} s; {Machine.Describe()}");
        var loadBefore = Machine.LoadAverage();

        await using var server = await RedisServerProcess.StartAsync(s.RedisServer);
        var version = (await server.Server.InfoAsync("server")).SelectMany(g => g).First(p => p.Key == "redis_version").Value;
        var sha = (string)(await server.Server.ExecuteAsync("SCRIPT", "LOAD", RedisBucketStore.Script.Text))!;
        if (sha != RedisBucketStore.Script.Sha1)
        {
            await Console.Error.WriteLineAsync($"bench ratelimit: Redis named the script {sha}, Keel computed {RedisBucketStore.Script.Sha1}");
            return 1;
        }
        await Console.Error.WriteLineAsync($"  redis-server {version} on 127.0.0.1:{server.Port}; script {sha}");
        var redisStore = new RedisBucketStore(server.Connection.GetDatabase(), RedisBucketStore.DefaultKeyPrefix, NullLogger<RedisBucketStore>.Instance);
        using var memoryStore = new MemoryBucketStore(TimeProvider.System);
        var keys = BucketLoad.RandomKeys(s.Keys);

        if (s.Warmup > TimeSpan.Zero)
        {
            await ProgressAsync("warm-up", BucketLoad.Memory(memoryStore, 1, keys, s.Warmup));
            await ProgressAsync("warm-up", await BucketLoad.RedisAsync(redisStore, server, s.Concurrency, null, s.Warmup, ct));
            await ProgressAsync("warm-up", await BucketLoad.RedisBenchmarkAsync(s, server, sha, false, false, Math.Min(s.Requests, 50_000), ct));
        }

        var repeats = new List<RateLimitRepeat>();
        for (var i = 0; i < s.Repeat; i++)
        {
            var label = $"repeat {i + 1}/{s.Repeat}";
            var memory = new List<CheckRun>();
            foreach (var (threads, distinct) in new[] { (1, false), (1, true), (s.Threads, false), (s.Threads, true) })
            {
                Settle();
                memory.Add(BucketLoad.Memory(memoryStore, threads, distinct ? keys : null, s.Duration));
                await ProgressAsync(label, memory[^1]);
            }
            var triples = new List<RedisRuns>();
            foreach (var random in new[] { false, true })
            {
                // Keel between its two baselines, which swap places each repeat, so drift in the machine's speed hits all alike.
                var runs = new Dictionary<string, CheckRun>();
                foreach (var who in i % 2 == 0 ? new[] { "rb", "keel", "rbp" } : ["rbp", "keel", "rb"])
                {
                    Settle();
                    runs[who] = who == "keel"
                        ? await BucketLoad.RedisAsync(redisStore, server, s.Concurrency, random ? keys : null, s.Duration, ct)
                        : await BucketLoad.RedisBenchmarkAsync(s, server, sha, random, who == "rbp", s.Requests, ct);
                    await ProgressAsync(label, runs[who]);
                }
                triples.Add(new RedisRuns(runs["keel"], runs["rb"], runs["rbp"]));
            }
            repeats.Add(new RateLimitRepeat(memory, triples));
        }

        var run = new RateLimitRun(s, repeats, version, sha, loadBefore, Machine.LoadAverage());
        Console.WriteLine(RateLimitReport.Markdown(run, Target));
        var failed = repeats.Any(r => r.Memory.Concat(r.Redis.Select(p => p.Keel)).Any(c => c.Errors > 0 || c.Refused > 0)
            || r.Redis.Any(p => p.Keel.Server!.EvalshaCalls != p.Keel.Checks));
        if (failed)
        {
            await Console.Error.WriteLineAsync(
                "bench ratelimit: some checks failed, were refused or were not one EVALSHA each (see the errors and EVALSHA/check columns); these numbers are not valid.");
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

    static async Task ProgressAsync(string label, CheckRun r)
    {
        var server = r.Server is { } side
            ? $"  redis CPU {side.CpuShare(r.Elapsed):P0}, {side.MicrosPerCall:F2} us/EVALSHA, {side.EvalshaCalls} EVALSHA, {side.EvalCalls} EVAL"
            : "";
        var latency = r.Latency is { } h ? $"  p50 {ReportFormat.Ms(h.Percentile(50))} p99 {ReportFormat.Ms(h.Percentile(99))} ms"
            : r.P50Ms is { } p50 ? $"  p50 {p50:F3} p99 {r.P99Ms:F3} ms" : "";
        await Console.Error.WriteLineAsync($"  {label} {r.Client,-26} {r.Keys,-16} {r.ChecksPerSecond,10:F0} checks/s{latency}{server}"
            + $"  refused {r.Refused} errors {r.Errors}{(r.FirstError is { } e ? $" (first: {e})" : "")}");
    }
}

/// <summary>The whole scenario: its repeats, the Redis version, the script's SHA-1, the machine's load before and after.</summary>
public sealed record RateLimitRun(RateLimitSettings Settings, List<RateLimitRepeat> Repeats, string RedisVersion, string Sha, string LoadBefore, string LoadAfter);

/// <summary>One repeat: four memory runs, and per key pattern (shared, random) Keel's Redis run beside redis-benchmark's.</summary>
public sealed record RateLimitRepeat(List<CheckRun> Memory, List<RedisRuns> Redis);

/// <summary>
/// Keel's Redis store beside redis-benchmark with as many connections as Keel has callers (the target's baseline) and
/// with one connection carrying that many requests at once (how Keel's one multiplexer carries them).
/// </summary>
public sealed record RedisRuns(CheckRun Keel, CheckRun Baseline, CheckRun Pipelined);
