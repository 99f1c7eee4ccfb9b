using Keel.Events;
using Keel.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Keys;

/// <summary>
/// Announces <c>key.expiring</c> <c>Keys:ExpiryNoticeDays</c> before a key's <c>expires_at</c>. Runs on
/// worker nodes; several may run at once because each key is claimed by a conditional update that sets
/// <c>expiry_notice_at</c>, in the transaction that stages its event, so each expiry is announced once.
/// Keys already rotated are left out: <c>key.rotated</c> said when they end.
/// </summary>
internal sealed partial class KeyExpiryNotifier(
    IServiceScopeFactory scopes, Outbox outbox, PeriodicJobs jobs, TimeProvider time, IOptions<KeysOptions> options,
    ILogger<KeyExpiryNotifier> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        jobs.RunAsync(new JobSchedule("keys.expiry_notices", () => options.Value.ExpiryScanInterval), ScanOnceAsync, stoppingToken);

    /// <summary>Announces every key now inside its notice period; returns how many.</summary>
    public Task<int> ScanOnceAsync(CancellationToken ct) => DueRows.ForEachDueAsync(scopes, time,
        (db, now) => db.Keys.AsNoTracking()
            .Where(k => k.ExpiresAt != null && k.ExpiryNoticeAt == null && k.RevokedAt == null && k.ExpiresAt > now
                && k.ExpiresAt <= now.AddDays(options.Value.ExpiryNoticeDays) && k.RotatedToId == null)
            .OrderBy(k => k.ExpiresAt),
        // Setting expiry_notice_at claims the notice of this expiry: of two scans, one announces it.
        (db, key, now) => DueRows.AnnounceAsync(db, outbox,
            () => db.Keys.Where(k => k.TenantId == key.TenantId && k.Id == key.Id && k.ExpiryNoticeAt == null && k.ExpiresAt == key.ExpiresAt)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.ExpiryNoticeAt, now), ct),
            key.TenantId, EventTypeNames.KeyExpiring, KeyView.From(key, now), ct),
        (key, e) => NoticeFailed(logger, key.Id, e), ct);

    [LoggerMessage(EventId = 29, Level = LogLevel.Error, Message = "The expiry notice of key {KeyId} failed; trying again at the next scan")]
    static partial void NoticeFailed(ILogger logger, string keyId, Exception exception);
}
