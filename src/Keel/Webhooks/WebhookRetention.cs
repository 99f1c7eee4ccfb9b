using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

/// <summary>
/// Deletes attempts, finished deliveries and events older than <c>Webhooks:Retention</c>. Every
/// statement removes at most <c>Webhooks:RetentionBatchSize</c> rows found by a range on the primary
/// key (tenant, then the time-ordered id), so it never scans or locks a whole table; an event is kept
/// while one of its deliveries is still pending. Endpoint secrets go as soon as their grace has ended.
/// </summary>
internal sealed partial class WebhookRetention(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<WebhooksOptions> options, ILogger<WebhookRetention> logger) : BackgroundService
{
    static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                RetentionFailed(logger, e);
                await Task.Delay(Interval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>One pass over every tenant; returns the rows deleted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - options.Value.Retention;
        var batch = options.Value.RetentionBatchSize;
        string[] tenants;
        await using (var scope = scopes.CreateAsyncScope())
        {
            tenants = await scope.ServiceProvider.GetRequiredService<KeelDb>().Tenants.Select(t => t.Id).ToArrayAsync(ct);
        }
        var deleted = 0;
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var tenant in tenants)
        {
            // A rotated-out secret signs nothing after its grace ends: its key material goes then, not with the endpoint.
            deleted += await DeleteAllAsync(db => db.EndpointSecrets
                .Where(x => x.TenantId == tenant && x.ExpiresAt != null && x.ExpiresAt <= now)
                .OrderBy(x => x.Id).Take(batch), ct);
            var attempts = Ids.Floor("att", cutoff);
            deleted += await DeleteAllAsync(db => db.Attempts
                .Where(a => a.TenantId == tenant && string.Compare(a.Id, attempts) < 0)
                .OrderBy(a => a.Id).Take(batch), ct);
            var deliveries = Ids.Floor("dlv", cutoff);
            deleted += await DeleteAllAsync(db => db.Deliveries
                .Where(d => d.TenantId == tenant && string.Compare(d.Id, deliveries) < 0 && d.Status != Delivery.Pending)
                .OrderBy(d => d.Id).Take(batch), ct);
            var events = Ids.Floor("msg", cutoff);
            deleted += await DeleteAllAsync(db => db.Events
                .Where(e => e.TenantId == tenant && string.Compare(e.Id, events) < 0
                    && !db.Deliveries.Any(d => d.TenantId == tenant && d.EventId == e.Id && d.Status == Delivery.Pending))
                .OrderBy(e => e.Id).Take(batch), ct);
        }
        return deleted;
    }

    async Task<int> DeleteAllAsync<T>(Func<KeelDb, IQueryable<T>> batchOf, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var n = await batchOf(scope.ServiceProvider.GetRequiredService<KeelDb>()).ExecuteDeleteAsync(ct);
            total += n;
            if (n == 0)
            {
                return total;
            }
        }
    }

    [LoggerMessage(EventId = 48, Level = LogLevel.Error, Message = "Webhook retention pass failed; trying again at the next interval")]
    static partial void RetentionFailed(ILogger logger, Exception exception);
}
