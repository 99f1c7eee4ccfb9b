using System.Collections.Concurrent;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Limits;

/// <summary>
/// The in-process quota store made durable: counting stays in memory (exact on this node, no database
/// write per request) and a counter is flushed to <c>quota_usage</c> every few seconds. The first use
/// of a counter in this process starts from its flushed value, so a restart loses at most the last
/// few seconds of counting, never the month.
/// </summary>
public sealed partial class QuotaLedger(IServiceScopeFactory scopes, TimeProvider time, ILogger<QuotaLedger> logger) : BackgroundService
{
    static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);
    static readonly TimeSpan KeepEndedPeriods = TimeSpan.FromDays(40);
    readonly MemoryQuotaStore _memory = new(time);
    readonly ConcurrentDictionary<string, Lazy<Task>> _loaded = new();
    readonly ConcurrentDictionary<string, DateTimeOffset> _dirty = new();

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
        var load = _loaded.GetOrAdd(key, k => new Lazy<Task>(async () =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            var used = await db.QuotaUsage.Where(u => u.Key == k).Select(u => (long?)u.Used).SingleOrDefaultAsync(CancellationToken.None);
            if (used is > 0)
            {
                // Seeding through the store's own consume keeps its invariants; no limit applies to the past.
                await _memory.ConsumeAsync(k, long.MaxValue, used.Value, periodEnd, CancellationToken.None);
            }
        }));
        try
        {
            await load.Value;
        }
        catch
        {
            _loaded.TryRemove(new KeyValuePair<string, Lazy<Task>>(key, load));
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FlushInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            await FlushOnceAsync(CancellationToken.None);
        }
        await FlushOnceAsync(CancellationToken.None);
    }

    /// <summary>Writes every counter that moved; a counter only grows, so a late or repeated write is harmless.</summary>
    public async Task FlushOnceAsync(CancellationToken ct)
    {
        try
        {
            var keys = _dirty.Keys.ToList();
            if (keys.Count == 0)
            {
                return;
            }
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            var now = time.GetUtcNow().UtcDateTime;
            foreach (var key in keys)
            {
                if (!_dirty.TryRemove(key, out var periodEnd))
                {
                    continue;
                }
                var used = await _memory.UsedAsync(key, periodEnd, ct);
                var end = periodEnd.UtcDateTime;
                await (db is PostgresKeelDb
                    ? db.Database.ExecuteSqlAsync($"""
                        INSERT INTO quota_usage (key, period_end, used, updated_at) VALUES ({key}, {end}, {used}, {now})
                        ON CONFLICT (key) DO UPDATE SET used = GREATEST(quota_usage.used, excluded.used), updated_at = excluded.updated_at
                        """, ct)
                    : db.Database.ExecuteSqlAsync($"""
                        INSERT INTO quota_usage (key, period_end, used, updated_at) VALUES ({key}, {end}, {used}, {now})
                        ON CONFLICT (key) DO UPDATE SET used = MAX(quota_usage.used, excluded.used), updated_at = excluded.updated_at
                        """, ct));
            }
            var cutoff = now - KeepEndedPeriods;
            await db.QuotaUsage.Where(u => u.PeriodEnd < cutoff).OrderBy(u => u.PeriodEnd).Take(1000).ExecuteDeleteAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The counters stay in memory; the next flush writes them.
            FlushFailed(logger, e);
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
