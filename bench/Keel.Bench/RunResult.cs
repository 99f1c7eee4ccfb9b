namespace Keel.Bench;

/// <summary>
/// What one load run measured. Latency includes every request, right or wrong. Open-loop runs also
/// record how late each request left its schedule (<see cref="SendLag"/>) and its latency from the
/// actual send (<see cref="FromSend"/>).
/// </summary>
public sealed record RunResult(
    string Name, long Requests, long Errors, TimeSpan Elapsed, LatencyHistogram Latency, string? FirstError, GcStats Gc,
    LatencyHistogram? SendLag = null, LatencyHistogram? FromSend = null)
{
    /// <summary>Right answers per second.</summary>
    public double RequestsPerSecond => (Requests - Errors) / Elapsed.TotalSeconds;
}
