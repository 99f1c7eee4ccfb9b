using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Keel.Jobs;

/// <summary>
/// A periodic job: its name (the lease's name, and what logs call it), how often it runs, whether one node of a
/// cluster runs it (<see cref="Leased"/>) or every node, and whether the first run waits an interval.
/// </summary>
public sealed record JobSchedule(string Name, Func<TimeSpan> Interval)
{
    /// <summary>Runs only while this node holds the job's <see cref="JobLeases">lease</see>.</summary>
    public bool Leased { get; init; }

    /// <summary>Waits an interval before the first run (a flusher has nothing to write at start).</summary>
    public bool WaitFirst { get; init; }

    /// <summary>Called instead of a run when a leased job's lease is held elsewhere.</summary>
    public Action? NotHeld { get; init; }
}

/// <summary>
/// The one loop every background job shares: run, wait, repeat until shutdown. A failing run is logged and the
/// next one comes at the next interval; shutdown ends the wait quietly.
/// </summary>
public sealed partial class PeriodicJobs(JobLeases leases, TimeProvider time, ILogger<PeriodicJobs> logger)
{
    [SuppressMessage("Design", "CA1031", Justification = "A job outlives any one failed run: the failure is logged and the next run comes.")]
    public async Task RunAsync(JobSchedule job, Func<CancellationToken, Task> run, CancellationToken ct)
    {
        await using var lease = job.Leased ? leases.For(job.Name) : null;
        if (job.WaitFirst && !await WaitAsync(job, ct))
        {
            return;
        }
        do
        {
            try
            {
                if (lease is null || await lease.IsHeldAsync(ct))
                {
                    await run(ct);
                }
                else
                {
                    job.NotHeld?.Invoke();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                RunFailed(logger, job.Name, e);
            }
        }
        while (await WaitAsync(job, ct));
    }

    /// <summary>
    /// Waits the interval less up to a tenth, so nodes started together drift apart; never more than the interval,
    /// so a clock moved on by one interval always brings the next run. False once shutting down.
    /// </summary>
    async Task<bool> WaitAsync(JobSchedule job, CancellationToken ct)
    {
        var interval = job.Interval();
        try
        {
            await Task.Delay(interval - interval * (RandomNumberGenerator.GetInt32(1000) / 10_000.0), time, ct);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 52, Level = LogLevel.Error, Message = "The {Job} job failed; it runs again at its next interval")]
    static partial void RunFailed(ILogger logger, string job, Exception exception);
}
