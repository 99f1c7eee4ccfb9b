using System.Collections.Concurrent;
using Keel.Jobs;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Limits;

/// <summary>
/// The in-process quota store made durable: counting stays in memory (exact on this node, no database
/// write per request) and a counter is flushed to <c>quota_usage</c> every few seconds and at shutdown. The
/// first use of a counter in this process starts from its flushed value, so a restart loses at most the
/// last few seconds of counting, never the month.
/// </summary>
/// <remarks>
/// Every counter names its period, so what this process remembers of one (the counter, that it was read, that it
/// is to be written) is dropped once its period ended <see cref="QuotaRetention"/> ago: memory follows the counters
/// in use, not every period ever counted. Rows of periods ended <see cref="KeepEndedPeriods"/> ago are deleted.
/// </remarks>
public sealed partial class QuotaLedger(IServiceScopeFactory scopes, PeriodicJobs jobs, TimeProvider time, ILogger<QuotaLedger> logger)
    : BackgroundService
{
    static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);
    static readonly TimeSpan KeepEndedPeriods = TimeSpan.FromDays(40);
    readonly MemoryQuotaStore _memory = new(time);
    readonly ConcurrentDictionary<string, Loaded> _loaded = new();
    readonly ConcurrentDictionary<string, DateTimeOffset> _dirty = new();

    /// <summary>The read of a counter's flushed value, shared by its concurrent first uses, and the end of its period.</summary>
    sealed record Loaded(Lazy<Task> Read, DateTimeOffset PeriodEnd);

    /// <summary>Counters read from the database and counters waiting to be written (tests).</summary>
    internal (int Loaded, int Dirty, int Counters) Held => (_loaded.Count, _dirty.Count, _memory.Count);

    public async ValueTask<QuotaDecision> ConsumeAsync(string key, long limit, long cost, DateTimeOffset periodEnd, CancellationToken ct)
    {
        await LoadAsync(key, periodEnd);
        var decision = await _memory.ConsumeAsync(key, limit, cost, periodEnd, ct);
        if (decision.Allowed && cost > 0)
        {
            _dirty[key] = periodEnd;
        }
        return decision;
    }

    public async ValueTask<long> UsedAsync(string key, DateTimeOffset periodEnd, CancellationToken ct)
    {
        await LoadAsync(key, periodEnd);
        return await _memory.UsedAsync(key, periodEnd, ct);
    }

    /// <summary>Reads the flushed counter once per process (concurrent first uses share the read; a failed read is retried).</summary>
    async Task LoadAsync(string key, DateTimeOffset periodEnd)
    {
        var load = _loaded.GetOrAdd(key, static (k, s) => new Loaded(new Lazy<Task>(() => s.Ledger.ReadAsync(k, s.PeriodEnd)), s.PeriodEnd),
            (Ledger: this, PeriodEnd: periodEnd));
        try
        {
            await load.Read.Value;
        }
        catch
        {
            _loaded.TryRemove(new KeyValuePair<string, Loaded>(key, load));
            throw;
        }
    }

    async Task ReadAsync(string key, DateTimeOffset periodEnd)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var used = await db.QuotaUsage.Where(u => u.Key == key).Select(u => (long?)u.Used).SingleOrDefaultAsync(CancellationToken.None);
        if (used is > 0)
        {
            // Seeding through the store's own consume keeps its invariants; no limit applies to the past.
            await _memory.ConsumeAsync(key, long.MaxValue, used.Value, periodEnd, CancellationToken.None);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // A flush is not cancelled by shutdown: StopAsync runs the last one after it.
        jobs.RunAsync(new JobSchedule("limits.quota_flush", () => FlushInterval) { WaitFirst = true },
            _ => FlushOnceAsync(CancellationToken.None), stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushOnceAsync(CancellationToken.None); // what was counted just before shutdown is not lost
    }

    /// <summary>Writes every counter that moved; a counter only grows, so a late or repeated write is harmless.</summary>
    public async Task FlushOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        Forget(now);
        var batch = new List<KeyValuePair<string, DateTimeOffset>>();
        foreach (var key in _dirty.Keys)
        {
            if (_dirty.TryRemove(key, out var periodEnd))
            {
                batch.Add(new(key, periodEnd));
            }
        }
        if (batch.Count == 0)
        {
            return;
        }
        var written = 0;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            var at = now.UtcDateTime;
            foreach (var (key, periodEnd) in batch)
            {
                var used = await _memory.UsedAsync(key, periodEnd, ct);
                var end = periodEnd.UtcDateTime;
                await (db is PostgresKeelDb
                    ? db.Database.ExecuteSqlAsync($"""
                        INSERT INTO quota_usage (key, period_end, used, updated_at) VALUES ({key}, {end}, {used}, {at})
                        ON CONFLICT (key) DO UPDATE SET used = GREATEST(quota_usage.used, excluded.used), updated_at = excluded.updated_at
                        """, ct)
                    : db.Database.ExecuteSqlAsync($"""
                        INSERT INTO quota_usage (key, period_end, used, updated_at) VALUES ({key}, {end}, {used}, {at})
                        ON CONFLICT (key) DO UPDATE SET used = MAX(quota_usage.used, excluded.used), updated_at = excluded.updated_at
                        """, ct));
                written++;
            }
            var cutoff = at - KeepEndedPeriods;
            await db.QuotaUsage.Where(u => u.PeriodEnd < cutoff).OrderBy(u => u.PeriodEnd).Take(1000).ExecuteDeleteAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The counters stay in memory; the next flush writes them.
            foreach (var (key, periodEnd) in batch.Skip(written))
            {
                _dirty.TryAdd(key, periodEnd);
            }
            FlushFailed(logger, e);
        }
    }

    /// <summary>
    /// Drops what is held of periods past their retention. Their counters are gone from the store by then, so a late
    /// use reads the flushed value again rather than count on top of a counter it still holds.
    /// </summary>
    void Forget(DateTimeOffset now)
    {
        var cutoff = now - QuotaRetention.Default;
        foreach (var (key, loaded) in _loaded)
        {
            if (loaded.PeriodEnd <= cutoff)
            {
                _loaded.TryRemove(new KeyValuePair<string, Loaded>(key, loaded));
            }
        }
        foreach (var (key, periodEnd) in _dirty)
        {
            // Nothing left to write: the store dropped the counter (a flush failing for a day lost its last seconds).
            if (periodEnd <= cutoff)
            {
                _dirty.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, periodEnd));
            }
        }
    }

    public override void Dispose()
    {
        _memory.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "Flushing quota counters failed; retrying at the next flush")]
    static partial void FlushFailed(ILogger logger, Exception exception);
}
