using System.Threading.Channels;
using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks.Publishing;

/// <summary>
/// Group commit for publishing: requests queue their publish here and a few writers each take whatever has queued
/// (up to <see cref="MaxBatch"/>) and write it in one transaction (<see cref="PublishBatch"/>). Under load many
/// publishes share a commit, its fsync and its lookups; alone, a publish waits for nobody.
/// </summary>
internal sealed partial class PublishQueue(PublishBatch batches, IOptions<StorageOptions> storage, ILogger<PublishQueue> logger) : BackgroundService
{
    const int MaxBatch = 100;

    /// <summary>A full queue makes requests wait their turn rather than pile up in memory.</summary>
    readonly Channel<PendingPublish> _pending = Channel.CreateBounded<PendingPublish>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Queues <paramref name="publish"/> and returns its outcome once its batch has committed.</summary>
    public async Task<PublishOutcome> PublishAsync(PendingPublish publish, CancellationToken ct)
    {
        await _pending.Writer.WriteAsync(publish, ct);
        return await publish.Outcome;
    }

    // SQLite has one writer at a time; on PostgreSQL a second writer fills its batch while the first waits for its commit.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, storage.Value.IsPostgres ? 2 : 1).Select(_ => WriteLoopAsync(stoppingToken)));

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "A writer outlives any one batch; an escaping exception would stop the host.")]
    async Task WriteLoopAsync(CancellationToken stop)
    {
        await Task.Yield();
        var batch = new List<PendingPublish>(MaxBatch);
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stop))
            {
                while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var publish))
                {
                    batch.Add(publish);
                }
                try
                {
                    await batches.WriteAsync(batch, stop);
                }
                catch (Exception e)
                {
                    BatchFailed(logger, batch.Count, e);
                    batch.ForEach(p => p.Fail(e));
                }
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        // Stopping: what is still queued is not written, and its requests hear so.
        while (_pending.Reader.TryRead(out var left))
        {
            left.Fail(new OperationCanceledException("Keel is stopping."));
        }
    }

    [LoggerMessage(EventId = 53, Level = LogLevel.Error, Message = "A batch of {Count} publishes failed")]
    static partial void BatchFailed(ILogger logger, int count, Exception exception);
}
