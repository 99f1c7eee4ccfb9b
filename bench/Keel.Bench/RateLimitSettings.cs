using System.CommandLine;

namespace Keel.Bench;

/// <summary>The options of the ratelimit scenario, bounded so that no run can go on indefinitely.</summary>
public sealed record RateLimitSettings(
    TimeSpan Duration, int Concurrency, int Threads, int Keys, int Requests, int Repeat, TimeSpan Warmup, string RedisServer, string RedisBenchmark)
{
    public const string RedisServerVariable = "KEEL_REDIS_SERVER";

    static readonly Option<int> DurationOption = LoadSettings.Bounded("--duration", "Seconds per Keel run", 5, 1, 120);
    static readonly Option<int> ConcurrencyOption = LoadSettings.Bounded("--concurrency",
        "Concurrent callers of the Redis store over one multiplexer, and redis-benchmark's -c", 32, 1, 1024);
    static readonly Option<int> ThreadsOption = LoadSettings.Bounded("--threads", "Threads calling the memory store in its parallel runs", 4, 2, 64);
    static readonly Option<int> KeysOption = LoadSettings.Bounded("--keys", "Distinct keys of the distinct-key runs (redis-benchmark's -r)", 100_000, 2, 10_000_000);
    static readonly Option<int> RequestsOption = LoadSettings.Bounded("--requests", "redis-benchmark's -n per run", 300_000, 1000, 50_000_000);
    static readonly Option<int> RepeatOption = LoadSettings.Bounded("--repeat", "Repeats; each measures Keel and redis-benchmark, alternating their order", 2, 1, 20);
    static readonly Option<int> WarmupOption = LoadSettings.Bounded("--warmup", "Seconds of unmeasured load on each store before the first repeat", 3, 0, 60);

    static readonly Option<string?> RedisServerOption = new("--redis-server")
    {
        Description = $"redis-server binary; a server of the bench's own runs on a free loopback port. Default: ${RedisServerVariable}, else redis-server on PATH",
    };

    static readonly Option<string?> RedisBenchmarkOption = new("--redis-benchmark")
    {
        Description = "redis-benchmark binary. Default: the one beside redis-server, else redis-benchmark on PATH",
    };

    public static Command AddTo(Command command)
    {
        foreach (var option in new Option[]
        {
            DurationOption, ConcurrencyOption, ThreadsOption, KeysOption, RequestsOption, RepeatOption, WarmupOption, RedisServerOption, RedisBenchmarkOption,
        })
        {
            command.Options.Add(option);
        }
        return command;
    }

    public static RateLimitSettings From(ParseResult parse)
    {
        var server = RedisServerPath(parse.GetValue(RedisServerOption));
        var besideServer = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(server)) ?? "", "redis-benchmark");
        var benchmark = parse.GetValue(RedisBenchmarkOption) ?? (File.Exists(besideServer) ? besideServer : Machine.OnPath("redis-benchmark") ?? "redis-benchmark");
        return new RateLimitSettings(TimeSpan.FromSeconds(parse.GetValue(DurationOption)), parse.GetValue(ConcurrencyOption), parse.GetValue(ThreadsOption),
            parse.GetValue(KeysOption), parse.GetValue(RequestsOption), parse.GetValue(RepeatOption), TimeSpan.FromSeconds(parse.GetValue(WarmupOption)),
            server, benchmark);
    }

    /// <summary>The redis-server binary to start: <paramref name="given"/>, else <c>$KEEL_REDIS_SERVER</c>, else the one on PATH.</summary>
    public static string RedisServerPath(string? given) =>
        given ?? Environment.GetEnvironmentVariable(RedisServerVariable) ?? Machine.OnPath("redis-server") ?? "redis-server";
}
