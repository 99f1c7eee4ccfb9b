namespace Keel.Bench;

/// <summary>What the bench's redis-server did during one run: the scripts it ran (EVALSHA and EVAL) and its CPU time.</summary>
public sealed record RedisUse(long ScriptCalls, TimeSpan Cpu)
{
    /// <summary>Zeroes the server's command statistics; returns its CPU time so far, for <see cref="EndAsync"/>.</summary>
    public static async Task<TimeSpan> StartAsync(RedisServerProcess redis)
    {
        await redis.ResetStatsAsync();
        return redis.CpuTime();
    }

    public static async Task<RedisUse> EndAsync(RedisServerProcess redis, TimeSpan cpuAtStart)
    {
        var cpu = redis.CpuTime() - cpuAtStart;
        var (evalsha, _) = await redis.CommandStatsAsync("evalsha");
        var (eval, _) = await redis.CommandStatsAsync("eval");
        return new RedisUse(evalsha + eval, cpu);
    }
}
