using System.Security.Cryptography;
using Keel.Jobs;
using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Usage;

/// <summary>
/// Writes this node's usage counters every <c>Keys:Usage:FlushInterval</c> and at shutdown. Runs on every
/// node (API nodes verify). Flushes never overlap; a failed one leaves the counters as they were, and the
/// next writes their newer totals.
/// </summary>
public sealed partial class UsageFlusher(
    UsageCounter counter, IServiceScopeFactory scopes, PeriodicJobs jobs, IOptions<UsageOptions> options, ILogger<UsageFlusher> logger)
    : BackgroundService
{
    readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>This process's rows: random per start, so two processes (or one restarted) never write the same row.</summary>
    public string NodeId { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        jobs.RunAsync(new JobSchedule("usage.flush", () => options.Value.FlushInterval) { WaitFirst = true }, TryFlushAsync, stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await TryFlushAsync(cancellationToken); // what was counted just before shutdown is not lost
    }

    /// <summary>Writes every counter that moved since its last flush; throws if the database refuses.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (counter.TakeDropped() is > 0 and var dropped)
            {
                CountersFull(logger, dropped);
            }
            var batch = counter.Collect();
            if (!batch.IsEmpty)
            {
                await using var scope = scopes.CreateAsyncScope();
                await UsageWriter.WriteAsync(scope.ServiceProvider.GetRequiredService<KeelDb>(), NodeId, batch, ct);
            }
            counter.Committed(batch);
        }
        finally
        {
            _gate.Release();
        }
    }

    async Task TryFlushAsync(CancellationToken ct)
    {
        try
        {
            await FlushAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            FlushFailed(logger, e);
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 82, Level = LogLevel.Error,
        Message = "{Count} verifications were not counted: Keys:Usage:MaxCounters counters are held while flushes fail")]
    static partial void CountersFull(ILogger logger, long count);

    [LoggerMessage(EventId = 80, Level = LogLevel.Warning, Message = "Flushing usage counters failed; their totals are written at the next flush")]
    static partial void FlushFailed(ILogger logger, Exception exception);
}
