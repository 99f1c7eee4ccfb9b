using Keel.Events;
using Keel.Jobs;
using Keel.Keys;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Usage.Anomalies;

/// <summary>
/// Scores each closed minute of usage once every node has flushed it: each key's verifications and each
/// tenant's auth failures. Runs on the one worker that holds the <c>anomalies</c> lease, because the
/// detector state lives in its memory; a node that loses the lease forgets its state, and a node that takes
/// it trains its detectors on the recent minute rows before it reports anything. Each anomaly is stored and
/// its <c>anomaly.detected</c> staged in one transaction; the unique (series, interval) index makes a
/// repeated scan add nothing.
/// </summary>
internal sealed partial class AnomalyScanner(
    IServiceScopeFactory scopes, AnomalyMonitor monitor, PeriodicJobs jobs, Outbox outbox, TimeProvider time,
    IOptions<AnomaliesOptions> options, IOptions<UsageOptions> usage, ILogger<AnomalyScanner> logger) : BackgroundService
{
    const long Minute = (long)Granularity.Minute;
    const long ReadChunk = (long)Granularity.Hour;

    /// <summary>Auth failures: a key that is unknown, revoked, expired or lacks a scope. Limit refusals are traffic, not auth.</summary>
    static readonly HashSet<string> AuthCodes = [VerifyCodes.NotFound, VerifyCodes.Revoked, VerifyCodes.Expired, VerifyCodes.ForbiddenScope];

    /// <summary>The next minute to score (Unix seconds), once this node scans.</summary>
    long? _next;
    readonly SemaphoreSlim _gate = new(1, 1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => jobs.RunAsync(
        new JobSchedule("anomalies", () => options.Value.ScanInterval) { Leased = true, NotHeld = Forget }, ScanAsync, stoppingToken);

    /// <summary>Drops the detector state and the scan position, as when another node held the lease.</summary>
    internal void Forget()
    {
        _gate.Wait();
        try
        {
            monitor.Reset();
            _next = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Scores every minute settled since the last scan; returns the anomalies stored. A node that has just taken
    /// the lease (or was paused) first replays the minute rows of <c>Anomalies:WarmUp</c> before the last
    /// <c>Anomalies:MaxCatchUp</c> to train its detectors, so a restart or a lease change does not leave a day
    /// without detection; only minutes within <c>Anomalies:MaxCatchUp</c> can report anomalies.
    /// </summary>
    public async Task<int> ScanAsync(CancellationToken ct)
    {
        // The monitor is not thread-safe: the loop's scan and one a caller (a test) asks for take turns.
        await _gate.WaitAsync(ct);
        try
        {
            return await ScanSettledAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    async Task<int> ScanSettledAsync(CancellationToken ct)
    {
        // A node flushes a closed minute at its next flush; allow two flush intervals for a slow one.
        var settled = Granularity.Minute.Floor((time.GetUtcNow() - (usage.Value.FlushInterval * 2)).ToUnixTimeSeconds());
        var reportFrom = settled - (long)options.Value.MaxCatchUp.TotalSeconds;
        // A whole warm-up before the first minute that may report, so its detectors are warm by then.
        var replayFrom = Granularity.Minute.Floor(reportFrom - (long)options.Value.WarmUp.TotalSeconds);
        var next = Math.Max(_next ?? replayFrom, replayFrom);
        var stored = 0;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var queries = scope.ServiceProvider.GetRequiredService<UsageQueries>();
        while (next < settled)
        {
            // An hour of minute rows per read keeps a long replay's memory bounded.
            var end = Math.Min(settled, next + ReadChunk);
            var points = await PointsAsync(queries, next, end, ct);
            for (var ts = next; ts < end; ts += Minute)
            {
                var found = monitor.Observe(DateTime.UnixEpoch.AddSeconds(ts), TimeSpan.FromSeconds(Minute), points.GetValueOrDefault(ts) ?? []);
                if (ts >= reportFrom)
                {
                    stored += await StoreAsync(db, found, ct);
                }
                _next = ts + Minute;
            }
            next = end;
        }
        return stored;
    }

    /// <summary>Every series' value per minute of [from, to), from the usage minute rows of all tenants.</summary>
    static async Task<Dictionary<long, List<SeriesPoint>>> PointsAsync(UsageQueries queries, long from, long to, CancellationToken ct)
    {
        var points = new Dictionary<long, List<SeriesPoint>>();
        foreach (var k in await queries.KeyMinutesAsync(from, to, null, ct))
        {
            PointsAt(points, k.Ts).Add(new(k.TenantId, AnomalySeriesKinds.KeyTraffic, k.KeyId, k.Requests));
        }
        foreach (var f in await queries.FailureMinutesAsync(from, to, null, ct))
        {
            if (AuthCodes.Contains(f.Code))
            {
                PointsAt(points, f.Ts).Add(new(f.TenantId, AnomalySeriesKinds.AuthFailures, null, f.Count));
            }
        }
        return points;
    }

    static List<SeriesPoint> PointsAt(Dictionary<long, List<SeriesPoint>> points, long ts) =>
        points.TryGetValue(ts, out var list) ? list : points[ts] = [];

    /// <summary>Stores new anomalies with their events; one already stored for the series and interval is skipped.</summary>
    internal async Task<int> StoreAsync(KeelDb db, IReadOnlyList<Anomaly> found, CancellationToken ct)
    {
        var stored = 0;
        foreach (var anomaly in found)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (await db.Anomalies.AnyAsync(a => a.TenantId == anomaly.TenantId && a.Kind == anomaly.Kind && a.KeyId == anomaly.KeyId
                && a.IntervalStart == anomaly.IntervalStart, ct))
            {
                continue;
            }
            db.Anomalies.Add(anomaly);
            var staged = await outbox.StageAsync(db, anomaly.TenantId, EventTypeNames.AnomalyDetected, AnomalyView.From(anomaly), ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            outbox.Wake(db, staged);
            AnomalyDetected(logger, anomaly.TenantId, anomaly.Kind, anomaly.KeyId, anomaly.Observed, anomaly.ExpectedLow, anomaly.ExpectedHigh);
            stored++;
        }
        return stored;
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 91, Level = LogLevel.Information,
        Message = "Anomaly in tenant {TenantId}: {Kind} {KeyId} observed {Observed}, expected {Low}..{High}")]
    static partial void AnomalyDetected(ILogger logger, string tenantId, string kind, string? keyId, double observed, double low, double high);
}
