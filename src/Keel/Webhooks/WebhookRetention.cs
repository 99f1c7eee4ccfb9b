using Keel.Jobs;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Keel.Webhooks;

/// <summary>
/// Deletes attempts, finished deliveries and events older than <c>Webhooks:Retention</c>, and endpoint secrets
/// whose grace has ended. One worker node runs it (the <c>webhooks.retention</c> lease). Each statement removes
/// at most <c>Webhooks:RetentionBatchSize</c> rows of one table across all tenants, so it never holds a lock for
/// long and a pass costs a few statements, not a few per tenant; an event is kept while one of its deliveries
/// is still pending.
/// </summary>
internal sealed class WebhookRetention(
    IServiceScopeFactory scopes, PeriodicJobs jobs, TimeProvider time, IOptions<WebhooksOptions> options) : BackgroundService
{
    public const string Job = "webhooks.retention";
    static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        jobs.RunAsync(new JobSchedule(Job, () => Interval) { Leased = true }, RunOnceAsync, stoppingToken);

    /// <summary>One pass (the caller holds the lease); returns the rows deleted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var cutoff = now - options.Value.Retention;
        var floors = new Floors(Ids.Floor("att", cutoff), Ids.Floor("dlv", cutoff), Ids.Floor("msg", cutoff), now, options.Value.RetentionBatchSize);
        var deleted = 0;
        foreach (var statement in Statements)
        {
            int n;
            do
            {
                await using var scope = scopes.CreateAsyncScope();
                n = await statement(scope.ServiceProvider.GetRequiredService<KeelDb>(), floors, ct);
                deleted += n;
            }
            while (n == floors.Batch);
        }
        return deleted;
    }

    sealed record Floors(string Attempts, string Deliveries, string Events, DateTime Now, int Batch);

    delegate Task<int> Statement(KeelDb db, Floors floors, CancellationToken ct);

    static readonly Statement[] Statements =
    [
        // A rotated-out secret signs nothing after its grace ends: its key material goes then, not with the endpoint.
        (db, f, ct) => db.Database.IsNpgsql()
            ? AcrossTenantsAsync(db, "webhook_endpoint_secrets", "r.expires_at <= @floor", f.Now, f.Batch, ct)
            : db.EndpointSecrets.Where(x => x.ExpiresAt != null && x.ExpiresAt <= f.Now).Take(f.Batch).ExecuteDeleteAsync(ct),
        (db, f, ct) => db.Database.IsNpgsql()
            ? AcrossTenantsAsync(db, "webhook_attempts", "r.id < @floor", f.Attempts, f.Batch, ct)
            : db.Attempts.Where(a => string.Compare(a.Id, f.Attempts) < 0).Take(f.Batch).ExecuteDeleteAsync(ct),
        (db, f, ct) => db.Database.IsNpgsql()
            ? AcrossTenantsAsync(db, "webhook_deliveries", "r.id < @floor AND r.status <> 'pending'", f.Deliveries, f.Batch, ct)
            : db.Deliveries.Where(d => string.Compare(d.Id, f.Deliveries) < 0 && d.Status != Delivery.Pending).Take(f.Batch).ExecuteDeleteAsync(ct),
        (db, f, ct) => db.Database.IsNpgsql()
            ? AcrossTenantsAsync(db, "webhook_events", "r.id < @floor AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d " +
                "WHERE d.tenant_id = r.tenant_id AND d.event_id = r.id AND d.status = 'pending')", f.Events, f.Batch, ct)
            : db.Events.Where(e => string.Compare(e.Id, f.Events) < 0
                && !db.Deliveries.Any(d => d.TenantId == e.TenantId && d.EventId == e.Id && d.Status == Delivery.Pending))
                .Take(f.Batch).ExecuteDeleteAsync(ct),
    ];

    /// <summary>
    /// One batch from every tenant at once. These tables have no index on <c>id</c> alone (their keys lead with
    /// the tenant), so the rows are found by a range on the primary key per tenant, joined laterally; SQLite,
    /// one node with no such join, lets the statement scan instead.
    /// </summary>
    static Task<int> AcrossTenantsAsync(KeelDb db, string table, string condition, object floor, int batch, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync(AcrossTenants(table, condition), [new NpgsqlParameter("floor", floor), new NpgsqlParameter("batch", batch)], ct);

    // Table and condition are constants of this class; the values are parameters.
    static string AcrossTenants(string table, string condition) => $"""
        DELETE FROM {table} x USING (
            SELECT v.tenant_id, v.id FROM tenants t CROSS JOIN LATERAL (
                SELECT r.tenant_id, r.id FROM {table} r WHERE r.tenant_id = t.id AND {condition} ORDER BY r.id LIMIT @batch) v
            LIMIT @batch) d
        WHERE x.tenant_id = d.tenant_id AND x.id = d.id
        """;
}
