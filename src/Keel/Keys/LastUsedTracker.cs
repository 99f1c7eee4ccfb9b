using System.Collections.Concurrent;
using Keel.Jobs;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Keys;

/// <summary>
/// Records that a key was used without writing to the database on the request: each use moves the key's last
/// seen time forward in memory, and <see cref="LastUsedFlusher"/> writes it. A key is written at the first flush after
/// its first use, then again at the first flush at least <see cref="WriteGap"/> after the time last written, if it
/// was used since. So a use reaches the database within <see cref="WriteGap"/> + the flush interval (55 s with the
/// default 10 s: never a minute stale), and a busy key costs one write every 45 to 55 s.
/// </summary>
public sealed class LastUsedTracker(TimeProvider time)
{
    internal static readonly TimeSpan WriteGap = TimeSpan.FromSeconds(45);
    /// <summary>A key unused this long, and written, is forgotten (the next use is written at once).</summary>
    static readonly TimeSpan Idle = TimeSpan.FromMinutes(2);
    readonly ConcurrentDictionary<KeyRef, Use> _uses = new();

    /// <summary>A key by its primary key, (tenant, id), so the flush finds each row by index.</summary>
    internal readonly record struct KeyRef(string TenantId, string Id);

    /// <summary>UTC ticks of the last use seen, and of the last use handed out for writing (0: none, or the write failed).</summary>
    sealed class Use
    {
        public long Seen;
        public long Written;
    }

    public void Touch(string tenantId, string keyId) => Touch(tenantId, keyId, time.GetUtcNow());

    /// <summary>A use at <paramref name="now"/>, for a caller that has read the clock already.</summary>
    public void Touch(string tenantId, string keyId, DateTimeOffset now) =>
        Touch(_uses.GetOrAdd(new KeyRef(tenantId, keyId), static _ => new Use()), now.UtcTicks);

    /// <summary>Takes the keys due for a write: used since last written, and never written or written <see cref="WriteGap"/> ago.</summary>
    internal List<KeyValuePair<KeyRef, DateTime>> Drain()
    {
        var batch = new List<KeyValuePair<KeyRef, DateTime>>();
        var now = time.GetUtcNow().UtcTicks;
        foreach (var (key, use) in _uses)
        {
            var seen = Volatile.Read(ref use.Seen);
            var written = Volatile.Read(ref use.Written);
            if (seen > written && (written == 0 || now - written >= WriteGap.Ticks))
            {
                Volatile.Write(ref use.Written, seen);
                batch.Add(new(key, new DateTime(seen, DateTimeKind.Utc)));
            }
            else if (seen == written && now - seen > Idle.Ticks && _uses.TryRemove(new(key, use)) && Volatile.Read(ref use.Seen) != seen)
            {
                // Used while being removed: put that use back.
                Volatile.Write(ref use.Written, 0);
                _uses.AddOrUpdate(key, use, (_, current) => { Touch(current, Volatile.Read(ref use.Seen)); return current; });
            }
        }
        return batch;
    }

    /// <summary>A batch that could not be written: its keys are written at the next flush, with their latest use.</summary>
    internal void Failed(List<KeyValuePair<KeyRef, DateTime>> batch)
    {
        foreach (var (key, _) in batch)
        {
            if (_uses.TryGetValue(key, out var use))
            {
                Volatile.Write(ref use.Written, 0);
            }
        }
    }

    static void Touch(Use use, long ticks)
    {
        long seen;
        while ((seen = Volatile.Read(ref use.Seen)) < ticks && Interlocked.CompareExchange(ref use.Seen, ticks, seen) != seen)
        {
        }
    }
}

internal sealed partial class LastUsedFlusher(
    LastUsedTracker tracker, IServiceScopeFactory scopes, PeriodicJobs jobs, IOptions<KeysOptions> options,
    ILogger<LastUsedFlusher> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        jobs.RunAsync(new JobSchedule("keys.last_used", () => options.Value.LastUsedFlushInterval) { WaitFirst = true }, FlushAsync, stoppingToken);

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
            tracker.Failed(batch);
            FlushFailed(logger, batch.Count, e);
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Could not write last_used_at of {Count} keys")]
    static partial void FlushFailed(ILogger logger, int count, Exception exception);
}
