namespace Keel.Jobs;

/// <summary>
/// Runs the rotation schedules (every <see cref="IRotationScan"/>) every <c>Keys:RotationScanInterval</c> (<see cref="RotationScanOptions"/>)
/// on worker nodes. Only the holder of the <c>rotation</c> lease scans, so a cluster does the work once;
/// the scans' conditional updates keep even an overlap (a lease lost mid-scan) from doing anything twice.
/// </summary>
internal sealed partial class RotationScheduler(
    IEnumerable<IRotationScan> scans, PeriodicJobs jobs, Microsoft.Extensions.Options.IOptions<RotationScanOptions> options,
    ILogger<RotationScheduler> logger) : BackgroundService
{
    public const string Job = "rotation";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        jobs.RunAsync(new JobSchedule(Job, () => options.Value.Interval) { Leased = true }, RunOnceAsync, stoppingToken);

    /// <summary>Runs every scan once, without the lease (tests call this); a failing scan is logged and the others still run.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var done = 0;
        foreach (var scan in scans)
        {
            try
            {
                done += await scan.RunAsync(ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                ScanFailed(logger, scan.Name, e);
            }
        }
        return done;
    }

    [LoggerMessage(EventId = 26, Level = LogLevel.Error, Message = "The {Scan} rotation scan failed; trying again at the next interval")]
    static partial void ScanFailed(ILogger logger, string scan, Exception exception);
}
