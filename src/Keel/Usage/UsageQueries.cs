using System.Linq.Expressions;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Usage;

/// <summary>
/// Reads usage, exact for every period: rolled-up rows where the rollups are complete, minute rows (summed over
/// nodes) for the rest (<see cref="UsageCoverage"/>). Counts are as of each node's last flush
/// (<c>Keys:Usage:FlushInterval</c>). Times are Unix seconds; <c>from</c> inclusive, <c>to</c> exclusive.
/// </summary>
public sealed class UsageQueries(KeelDb db)
{
    public static async Task<UsageMarks> MarksAsync(KeelDb db, CancellationToken ct)
    {
        var marks = await db.RollupMarks.AsNoTracking().ToDictionaryAsync(m => m.Granularity, m => m.RolledTo, ct);
        return new(marks.TryGetValue((int)Granularity.Hour, out var h) ? h : null, marks.TryGetValue((int)Granularity.Day, out var d) ? d : null);
    }

    /// <summary>A key's series, one point per bucket from <c>floor(from)</c> to before <c>to</c>, zeros included.</summary>
    public async Task<IReadOnlyList<KeyUsagePoint>> KeySeriesAsync(
        string tenantId, string keyId, long from, long to, Granularity granularity, CancellationToken ct)
    {
        var (start, end) = (granularity.Floor(from), granularity.Ceiling(to));
        var width = granularity.Seconds();
        var rows = await db.KeyUsage.AsNoTracking()
            .Where(r => r.TenantId == tenantId && r.KeyId == keyId)
            .Where(Covering<KeyUsageCount>(UsageCoverage.For(granularity, start, end, await MarksAsync(db, ct))))
            .GroupBy(r => r.Ts - r.Ts % width)
            .Select(g => new
            {
                Ts = g.Key,
                Valid = g.Sum(r => r.Valid),
                Revoked = g.Sum(r => r.Revoked),
                Expired = g.Sum(r => r.Expired),
                ForbiddenScope = g.Sum(r => r.ForbiddenScope),
                RateLimited = g.Sum(r => r.RateLimited),
                QuotaExceeded = g.Sum(r => r.QuotaExceeded),
            })
            .ToDictionaryAsync(r => r.Ts, ct);
        return [.. Buckets(start, end, width).Select(ts => rows.TryGetValue(ts, out var r)
            ? new KeyUsagePoint(Time(ts), r.Valid, 0, r.Revoked, r.Expired, r.ForbiddenScope, r.RateLimited, r.QuotaExceeded)
            : new KeyUsagePoint(Time(ts), 0, 0, 0, 0, 0, 0, 0))];
    }

    /// <summary>A tenant's keys with the most verifications (or failures) over a range, ties by key id.</summary>
    public async Task<IReadOnlyList<KeyTotals>> TopKeysAsync(
        string tenantId, long from, long to, bool byFailures, int limit, CancellationToken ct)
    {
        var marks = await MarksAsync(db, ct);
        var totals = db.KeyUsage.AsNoTracking()
            .Where(r => r.TenantId == tenantId)
            .Where(Covering<KeyUsageCount>(UsageCoverage.Of(from, to, marks.Hour, marks.Day)))
            .GroupBy(r => r.KeyId)
            .Select(g => new
            {
                KeyId = g.Key,
                Failures = g.Sum(r => r.Revoked + r.Expired + r.ForbiddenScope + r.RateLimited + r.QuotaExceeded),
                Requests = g.Sum(r => r.Valid + r.Revoked + r.Expired + r.ForbiddenScope + r.RateLimited + r.QuotaExceeded),
            });
        var ordered = byFailures
            ? totals.OrderByDescending(t => t.Failures).ThenByDescending(t => t.Requests).ThenBy(t => t.KeyId)
            : totals.OrderByDescending(t => t.Requests).ThenByDescending(t => t.Failures).ThenBy(t => t.KeyId);
        return await ordered.Take(limit).Select(t => new KeyTotals(t.KeyId, t.Requests, t.Failures)).ToListAsync(ct);
    }

    /// <summary>A tenant's failed verifications per bucket, zeros included.</summary>
    public async Task<IReadOnlyList<FailurePoint>> FailureSeriesAsync(string tenantId, long from, long to, Granularity granularity, CancellationToken ct)
    {
        var (start, end) = (granularity.Floor(from), granularity.Ceiling(to));
        var width = granularity.Seconds();
        var rows = await db.Failures.AsNoTracking()
            .Where(r => r.TenantId == tenantId)
            .Where(Covering<FailureCount>(UsageCoverage.For(granularity, start, end, await MarksAsync(db, ct))))
            .GroupBy(r => new { Ts = r.Ts - r.Ts % width, r.Code, r.Prefix })
            .Select(g => new { g.Key.Ts, g.Key.Code, g.Key.Prefix, Count = g.Sum(r => r.Count) })
            .ToListAsync(ct);
        var byBucket = rows.ToLookup(r => r.Ts);
        return [.. Buckets(start, end, width).Select(ts =>
        {
            var bucket = byBucket[ts].ToList();
            return new FailurePoint(Time(ts), bucket.Sum(r => r.Count),
                bucket.GroupBy(r => r.Code).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(r => r.Count)),
                bucket.Where(r => r.Code == Keys.VerifyCodes.NotFound).OrderBy(r => r.Prefix, StringComparer.Ordinal).ToDictionary(r => r.Prefix, r => r.Count));
        })];
    }

    /// <summary>
    /// Every key's verifications per minute over a range (of one tenant, or all when <paramref name="tenantId"/> is
    /// null), summed over nodes; only minutes with any. Minute rows are kept <c>Keys:Usage:MinuteRetention</c>.
    /// </summary>
    public async Task<IReadOnlyList<KeyMinute>> KeyMinutesAsync(long from, long to, string? tenantId, CancellationToken ct)
    {
        var minute = (int)Granularity.Minute;
        return await db.KeyUsage.AsNoTracking()
            .Where(r => r.Granularity == minute && r.Ts >= from && r.Ts < to && (tenantId == null || r.TenantId == tenantId))
            .GroupBy(r => new { r.TenantId, r.KeyId, r.Ts })
            .Select(g => new KeyMinute(g.Key.TenantId, g.Key.KeyId, g.Key.Ts, g.Sum(r => r.Valid), g.Sum(r => r.Revoked), g.Sum(r => r.Expired),
                g.Sum(r => r.ForbiddenScope), g.Sum(r => r.RateLimited), g.Sum(r => r.QuotaExceeded)))
            .ToListAsync(ct);
    }

    /// <summary>Every tenant's (or one tenant's) failed verifications per minute and code, summed over nodes and prefixes.</summary>
    public async Task<IReadOnlyList<FailureMinute>> FailureMinutesAsync(long from, long to, string? tenantId, CancellationToken ct)
    {
        var minute = (int)Granularity.Minute;
        return await db.Failures.AsNoTracking()
            .Where(r => r.Granularity == minute && r.Ts >= from && r.Ts < to && (tenantId == null || r.TenantId == tenantId))
            .GroupBy(r => new { r.TenantId, r.Ts, r.Code })
            .Select(g => new FailureMinute(g.Key.TenantId, g.Key.Ts, g.Key.Code, g.Sum(r => r.Count)))
            .ToListAsync(ct);
    }

    /// <summary>Rows of the coverage's five pieces; they never overlap, so every verification is summed once.</summary>
    static Expression<Func<T, bool>> Covering<T>(UsageCoverage c) where T : IUsageRow
    {
        const int M = (int)Granularity.Minute, H = (int)Granularity.Hour, D = (int)Granularity.Day;
        return r => (r.Granularity == M && r.Ts >= c.C0 && r.Ts < c.C1) || (r.Granularity == H && r.Ts >= c.C1 && r.Ts < c.C2)
            || (r.Granularity == D && r.Ts >= c.C2 && r.Ts < c.C3) || (r.Granularity == H && r.Ts >= c.C3 && r.Ts < c.C4)
            || (r.Granularity == M && r.Ts >= c.C4 && r.Ts < c.C5);
    }

    static IEnumerable<long> Buckets(long start, long end, long width)
    {
        for (var ts = start; ts < end; ts += width)
        {
            yield return ts;
        }
    }

    static DateTime Time(long ts) => DateTime.UnixEpoch.AddSeconds(ts);
}
