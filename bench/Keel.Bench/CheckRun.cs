namespace Keel.Bench;

/// <summary>
/// One run of rate limit checks: by Keel's memory store, Keel's Redis store or redis-benchmark. The server columns
/// (Redis runs only) come from the bench's own redis-server: its CPU time and <c>INFO commandstats</c> for EVALSHA.
/// </summary>
public sealed record CheckRun(
    string Client, string Keys, int Callers, long Checks, long Refused, long Errors, TimeSpan Elapsed, LatencyHistogram? Latency, GcStats? Gc,
    TimeSpan? ClientCpu, ServerSide? Server, string? FirstError = null, double? ReportedPerSecond = null, double? P50Ms = null, double? P99Ms = null)
{
    /// <summary>Checks per second: as redis-benchmark reported it, or counted here.</summary>
    public double ChecksPerSecond => ReportedPerSecond ?? (Checks - Errors) / Elapsed.TotalSeconds;
}

/// <summary>What the Redis server spent on a run: CPU time, EVALSHA calls and the microseconds each took inside Redis.</summary>
public sealed record ServerSide(TimeSpan Cpu, long EvalshaCalls, double MicrosPerCall, long EvalCalls)
{
    /// <summary>The share of one core the server used over <paramref name="elapsed"/>.</summary>
    public double CpuShare(TimeSpan elapsed) => Cpu / elapsed;
}
