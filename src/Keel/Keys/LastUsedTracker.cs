using System.Collections.Concurrent;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Keys;

/// <summary>
/// Records that a key was used without writing to the database on the request: each key is queued at
/// most once a minute, and <see cref="LastUsedFlusher"/> writes the queue in one transaction.
/// </summary>
public sealed class LastUsedTracker(TimeProvider time)
{
    static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);
    readonly ConcurrentDictionary<KeyRef, DateTime> _lastQueued = new();
    readonly ConcurrentDictionary<KeyRef, DateTime> _pending = new();

    /// <summary>A key by its primary key, (tenant, id), so the flush finds each row by index.</summary>
    public readonly record struct KeyRef(string TenantId, string Id);

    public void Touch(string tenantId, string keyId)
    {
        var key = new KeyRef(tenantId, keyId);
        var now = time.GetUtcNow().UtcDateTime;
        if (_lastQueued.TryGetValue(key, out var last) && now - last < MinInterval)
        {
            return;
        }
        _lastQueued[key] = now;
        _pending[key] = now;
    }

    /// <summary>Takes what is queued; forgets throttle entries old enough to no longer matter.</summary>
    internal List<KeyValuePair<KeyRef, DateTime>> Drain()
    {
        var batch = new List<KeyValuePair<KeyRef, DateTime>>();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var at))
            {
                batch.Add(new(id, at));
            }
        }
        var stale = time.GetUtcNow().UtcDateTime - MinInterval;
        foreach (var (id, at) in _lastQueued)
        {
            if (at < stale)
            {
                _lastQueued.TryRemove(new KeyValuePair<KeyRef, DateTime>(id, at));
            }
        }
        return batch;
    }
}

internal sealed partial class LastUsedFlusher(
    LastUsedTracker tracker, IServiceScopeFactory scopes, IOptions<KeysOptions> options, TimeProvider time,
    ILogger<LastUsedFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LastUsedFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken); // what was used just before shutdown is not lost
    }

    internal async Task FlushAsync(CancellationToken ct)
    {
        var batch = tracker.Drain();
        if (batch.Count == 0)
        {
            return;
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            foreach (var (key, at) in batch)
            {
                // Never move last_used_at backwards (another node may have written a later time).
                await db.Keys.Where(k => k.TenantId == key.TenantId && k.Id == key.Id && (k.LastUsedAt == null || k.LastUsedAt < at))
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, at), ct);
            }
            await tx.CommitAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            FlushFailed(logger, batch.Count, e);
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Could not write last_used_at of {Count} keys")]
    static partial void FlushFailed(ILogger logger, int count, Exception exception);
}
