using Keel.Jobs;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Usage;

/// <summary>
/// Rolls minutes up to hours and hours up to days, then applies retention, every <c>Keys:Usage:RollupInterval</c>
/// on the one worker that holds the <c>usage.rollup</c> lease. An hour is rolled once it ended
/// <c>RollupLag</c> ago, and recomputed for <see cref="HourRestatement"/> after that; a day once all its hours
/// are. The marks say how far each is complete, and queries read finer rows beyond them (<see cref="UsageCoverage"/>).
/// </summary>
public sealed class UsageRollups(
    IServiceScopeFactory scopes, PeriodicJobs jobs, IOptions<UsageOptions> options, TimeProvider time) : BackgroundService
{
    public const string LeaseName = "usage.rollup";
    /// <summary>Rolled hours are recomputed this long after the mark passed them: a flush that late still counts.</summary>
    static readonly long HourRestatement = (long)TimeSpan.FromHours(2).TotalSeconds;
    static readonly long DayRestatement = (long)TimeSpan.FromDays(1).TotalSeconds;
    /// <summary>A first run over a long history goes a chunk per transaction.</summary>
    static readonly long Chunk = (long)TimeSpan.FromDays(1).TotalSeconds;
    readonly SemaphoreSlim _gate = new(1, 1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        jobs.RunAsync(new JobSchedule(LeaseName, () => options.Value.RollupInterval) { Leased = true }, RunOnceAsync, stoppingToken);

    /// <summary>One rollup and retention pass (the caller holds the lease).</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            var marks = await UsageQueries.MarksAsync(db, ct);
            var hourEnd = Granularity.Hour.Floor(now - (long)options.Value.RollupLag.TotalSeconds);
            var hourMark = await RollUpAsync(db, Granularity.Minute, Granularity.Hour, marks.Hour, HourRestatement, hourEnd, ct);
            var dayMark = await RollUpAsync(db, Granularity.Hour, Granularity.Day, marks.Day, DayRestatement, Granularity.Day.Floor(hourMark), ct);
            // Retention never removes rows the rollup has not summed yet, whatever the configuration.
            await DeleteOlderAsync(db, Granularity.Minute, Math.Min(now - (long)options.Value.MinuteRetention.TotalSeconds, hourMark - HourRestatement), ct);
            await DeleteOlderAsync(db, Granularity.Hour, Math.Min(now - (long)options.Value.HourRetention.TotalSeconds, dayMark - DayRestatement), ct);
            await DeleteOlderAsync(db, Granularity.Day, now - (long)options.Value.DayRetention.TotalSeconds, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Recomputes <paramref name="to"/> rows up to <paramref name="end"/>; returns the new mark.</summary>
    static async Task<long> RollUpAsync(KeelDb db, Granularity from, Granularity to, long? mark, long restatement, long end, CancellationToken ct)
    {
        long start;
        if (mark is { } m)
        {
            start = m - restatement;
        }
        else
        {
            // The first run starts at the oldest row there is.
            var oldest = await db.KeyUsage.Where(r => r.Granularity == (int)from).MinAsync(r => (long?)r.Ts, ct);
            var oldestFailure = await db.Failures.Where(r => r.Granularity == (int)from).MinAsync(r => (long?)r.Ts, ct);
            start = to.Floor(Math.Min(oldest ?? end, oldestFailure ?? end));
        }
        for (var chunkStart = start; chunkStart < end; chunkStart += Chunk)
        {
            var chunkEnd = Math.Min(end, chunkStart + Chunk);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await RollupStatements.RollUpAsync(db, from, to, chunkStart, chunkEnd, ct);
            await RollupStatements.MarkAsync(db, to, chunkEnd, ct);
            await tx.CommitAsync(ct);
        }
        if (mark is null && start >= end)
        {
            await RollupStatements.MarkAsync(db, to, end, ct);
        }
        return Math.Max(end, mark ?? end);
    }

    async Task DeleteOlderAsync(KeelDb db, Granularity granularity, long cutoff, CancellationToken ct)
    {
        var batch = options.Value.RetentionBatchSize;
        var g = (int)granularity;
        while (await db.KeyUsage.Where(r => r.Granularity == g && r.Ts < cutoff).OrderBy(r => r.Ts).Take(batch).ExecuteDeleteAsync(ct) == batch)
        {
        }
        while (await db.Failures.Where(r => r.Granularity == g && r.Ts < cutoff).OrderBy(r => r.Ts).Take(batch).ExecuteDeleteAsync(ct) == batch)
        {
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
