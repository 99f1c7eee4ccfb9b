using System.Diagnostics;
using Keel.Limits;

namespace Keel.Bench;

/// <summary>Closed-loop callers of an <see cref="IBucketStore"/>: each asks again as soon as it has its answer, until the deadline.</summary>
internal static class BucketLoad
{
    /// <summary>Never runs dry in a run (a burst of 10^15), and a bucket stays in Redis for as long as it is used.</summary>
    public static readonly BucketSpec Spec = new(1, 1_000_000_000_000_000);

    const long MaxChecksPerRun = 2_000_000_000;

    /// <summary>
    /// The in-process store on <paramref name="threads"/> threads of their own (its takes complete synchronously, so
    /// an async loop would be a plain loop): one shared key, or each thread its own stripe of <paramref name="keys"/>.
    /// </summary>
    public static CheckRun Memory(MemoryBucketStore store, int threads, string[]? keys, TimeSpan duration)
    {
        var counts = new (long Checks, long Refused)[threads];
        var gc = GcStats.Now();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            long checks = 0, refused = 0;
            var next = t;
            while (Stopwatch.GetTimestamp() < deadline && checks < MaxChecksPerRun)
            {
                // The clock is read once per 1,024 checks, so it is not what is measured.
                for (var i = 0; i < 1024; i++)
                {
                    var key = keys is null ? "bench" : keys[next];
                    next = keys is null ? 0 : (next + threads) % keys.Length;
                    refused += Take(store, key) ? 0 : 1;
                }
                checks += 1024;
            }
            counts[t] = (checks, refused);
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new CheckRun($"Keel memory x{threads}", keys is null ? "1 shared" : $"{keys.Length:N0} distinct", threads, counts.Sum(c => c.Checks),
            counts.Sum(c => c.Refused), 0, elapsed, null, GcStats.Now() - gc, null, null);
    }

    static bool Take(MemoryBucketStore store, string key)
    {
        var pending = store.TakeAsync(key, Spec, 1, CancellationToken.None);
        return pending.IsCompletedSuccessfully ? pending.Result.Allowed : pending.AsTask().GetAwaiter().GetResult().Allowed;
    }

    /// <summary>
    /// The Redis store with <paramref name="callers"/> concurrent async callers over the one multiplexer the store was
    /// made with: one shared key, or a key drawn at random from <paramref name="keys"/> for each check (as redis-benchmark's <c>-r</c>).
    /// </summary>
    public static async Task<CheckRun> RedisAsync(RedisBucketStore store, RedisServerProcess server, int callers, string[]? keys, TimeSpan duration,
        CancellationToken ct)
    {
        var latency = new LatencyHistogram();
        long checks = 0, refused = 0, errors = 0;
        string? firstError = null;
        await server.ResetStatsAsync();
        var serverCpu = server.CpuTime();
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var gc = GcStats.Now();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tasks = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            long mine = 0;
            while (!ct.IsCancellationRequested && mine < MaxChecksPerRun / callers)
            {
                var sent = Stopwatch.GetTimestamp();
                if (sent >= deadline)
                {
                    break;
                }
                try
                {
                    var decision = await store.TakeAsync(keys is null ? "bench" : keys[Random.Shared.Next(keys.Length)], Spec, 1, ct);
                    latency.RecordTicks(sent, Stopwatch.GetTimestamp());
                    if (!decision.Allowed)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
                catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                }
                mine++;
            }
            Interlocked.Add(ref checks, mine);
        }, ct)).ToArray();
        await Task.WhenAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var client = Process.GetCurrentProcess().TotalProcessorTime - clientCpu;
        var side = await ServerSideAsync(server, serverCpu);
        return new CheckRun($"Keel x{callers}, 1 connection", keys is null ? "1 shared" : $"{keys.Length:N0} random", callers, checks, refused, errors, elapsed, latency,
            GcStats.Now() - gc, client, side, firstError);
    }

    /// <summary>
    /// redis-benchmark running the same script, key shape and arguments: with as many connections as Keel has callers,
    /// one request in flight on each (the target's baseline); or, <paramref name="pipelined"/>, as many requests in
    /// flight on one connection, which is what a multiplexer does.
    /// </summary>
    public static async Task<CheckRun> RedisBenchmarkAsync(RateLimitSettings s, RedisServerProcess server, string sha, bool randomKeys, bool pipelined,
        int requests, CancellationToken ct)
    {
        await server.ResetStatsAsync();
        var serverCpu = server.CpuTime();
        var key = RedisBucketStore.DefaultKeyPrefix + (randomKeys ? "bench:__rand_int__" : "bench");
        var (clients, pipeline) = pipelined ? (1, s.Concurrency) : (s.Concurrency, 1);
        var result = await RedisBenchmarkTool.RunAsync(s.RedisBenchmark, server.Port, clients, pipeline, requests, randomKeys ? s.Keys : null,
            ["evalsha", sha, "1", key, .. Arguments()], ct);
        var side = await ServerSideAsync(server, serverCpu);
        return new CheckRun(pipelined ? $"redis-benchmark -c 1 -P {pipeline}" : $"redis-benchmark -c {clients}", randomKeys ? $"{s.Keys:N0} random" : "1 shared",
            s.Concurrency, requests, 0, 0, result.Elapsed, null, null, null, side, null, result.RequestsPerSecond, result.P50Ms, result.P99Ms);
    }

    /// <summary>The script's arguments exactly as the store sends them (StackExchange.Redis writes these numbers so).</summary>
    public static string[] Arguments() =>
        [((StackExchange.Redis.RedisValue)Spec.RequestsPerSecond).ToString(), ((StackExchange.Redis.RedisValue)Spec.Burst).ToString(), "1"];

    /// <summary>Key names like redis-benchmark's <c>__rand_int__</c>: twelve digits.</summary>
    public static string[] RandomKeys(int count) => [.. Enumerable.Range(0, count).Select(i => $"bench:{i:D12}")];

    static async Task<ServerSide> ServerSideAsync(RedisServerProcess server, TimeSpan cpuBefore)
    {
        var cpu = server.CpuTime() - cpuBefore;
        var (calls, micros) = await server.CommandStatsAsync("evalsha");
        var (evals, _) = await server.CommandStatsAsync("eval");
        return new ServerSide(cpu, calls, micros, evals);
    }
}
