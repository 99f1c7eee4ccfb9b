namespace Keel.Bench;

/// <summary>
/// The whole storm scenario: its repeats, where Keel ran, the machine's load before and after, and the
/// warm-up's tally (its deliveries are checked like the measured ones, not timed).
/// </summary>
public sealed record StormRun(StormSettings Settings, List<StormRepeat> Repeats, string LoadBefore, string LoadAfter, DeliveryTally? Warmup);

/// <summary>One repeat: Keel's throughput phase and its baseline (in alternating order), then the lag phase.</summary>
public sealed record StormRepeat(ThroughputPhase Keel, BaselinePhase Baseline, bool BaselineFirst, LagPhase Lag)
{
    /// <summary>Keel's sustained deliveries/s (middle 80% of arrivals) against the baseline's.</summary>
    public double Ratio => Keel.Rate.MiddlePerSecond / Baseline.Rate.MiddlePerSecond;
}

/// <summary>
/// Keel's throughput phase: the publishes, the arrivals matched to them and their rate (overall, middle 80%,
/// while the publishers ran and after), the time from the first publish to the last arrival and to the last
/// outcome recorded (null if that did not happen), and where the time went: over the whole phase, and from
/// the end of publishing to the last outcome recorded (the dispatcher alone, draining what was left).
/// </summary>
public sealed record ThroughputPhase(
    RunResult Publish, DeliveryTally Tally, ArrivalRate Rate, double RateWhilePublishing, double RateAfterPublishing,
    TimeSpan PublishingTime, TimeSpan ToLastArrival, TimeSpan? ToAllRecorded, long RequestBytes, PhaseProfile Profile,
    long DeliveredAfterPublishing, CpuWindow AfterPublishing);

/// <summary>The baseline: plain POSTs from one client to the same receivers; its arrivals' rate and the requests that arrived.</summary>
public sealed record BaselinePhase(RunResult Send, ArrivalRate Rate, long Arrived, long RequestBytes, CpuWindow Cpu);

/// <summary>The lag phase: the open-loop publishes (their latency is the baseline) and each delivery's publish-to-first-arrival.</summary>
public sealed record LagPhase(RunResult Publish, DeliveryTally Tally, TimeSpan? ToAllRecorded, PhaseProfile Profile);

/// <summary>
/// Where a phase's time went: Keel's rows (<see cref="DeliveryTimeline"/>), CPU per process, the database's busy
/// backends (PostgreSQL), Keel's own meters, and the database commands Keel ran (in-process only).
/// </summary>
public sealed record PhaseProfile(
    DeliveryTimeline Timeline, CpuWindow Cpu, List<(string Statement, string State, double Backends)>? Activity, KeelMetrics Metrics, DbCommands? Commands);
