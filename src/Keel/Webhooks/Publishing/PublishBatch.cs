using Keel.Events;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks.Publishing;

/// <summary>
/// Writes publishes of any tenants in one transaction: one query for the idempotency keys they hold, one for their
/// types' schemas, one for the subscribed endpoints, then every event and delivery in one commit. A publish is
/// answered only after that commit. Each tenant's rows are looked up by its own id, as in <see cref="TenantDb"/>.
/// Schemas are not run here: a schema is a tenant's program, and run here it would hold up every tenant's publishes.
/// A publish whose type has a schema it was not checked against is deferred to its request, which checks it on the
/// tenant's own time and publishes again; publishes of types without a schema pay one shared lookup.
/// </summary>
internal sealed class PublishBatch(IServiceScopeFactory scopes, Outbox outbox, TimeProvider time, IOptions<WebhooksOptions> options)
{
    /// <summary>Answers every publish of <paramref name="batch"/>, with an outcome or an exception; never throws.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "Every failure goes to the publishes it concerns.")]
    public async Task WriteAsync(IReadOnlyList<PendingPublish> batch, CancellationToken ct)
    {
        if (batch.Count == 1)
        {
            await WriteAloneAsync(batch[0], ct);
            return;
        }
        try
        {
            Complete(batch, await WriteTogetherAsync(batch, allOrNone: false, ct));
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // One publish can spoil the transaction (a key another writer committed first, text the database
            // refuses): each alone, so only that one fails.
            foreach (var publish in batch)
            {
                await WriteAloneAsync(publish, ct);
            }
        }
        catch (Exception e)
        {
            foreach (var publish in batch)
            {
                publish.Fail(e);
            }
        }
    }

    /// <summary>
    /// Writes all of <paramref name="batch"/> in one transaction, or nothing; returns the outcomes in order. When any
    /// publish is deferred (a schema changed since its check) nothing is written and every outcome is deferred.
    /// </summary>
    public async Task<PublishOutcome[]> WriteAllAsync(IReadOnlyList<PendingPublish> batch, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteTogetherAsync(batch, allOrNone: true, ct);
            }
            catch (DbUpdateException e) when (attempt < 3 && e.IsUniqueViolation())
            {
                // A publish elsewhere committed one of the keys first: the next look finds it and replays it.
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "The failure is the publish's answer.")]
    async Task WriteAloneAsync(PendingPublish publish, CancellationToken ct)
    {
        try
        {
            Complete([publish], await WriteTogetherAsync([publish], allOrNone: false, ct));
        }
        catch (DbUpdateException e) when (publish.IdempotencyKey is { } key && e.IsUniqueViolation())
        {
            // Two publishes with one key raced and the other committed first: answer with its event.
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
                var winner = await db.Events.AsNoTracking().SingleOrDefaultAsync(x => x.TenantId == publish.TenantId && x.IdempotencyKey == key, ct);
                if (winner is null)
                {
                    publish.Fail(e);
                }
                else
                {
                    publish.Complete(PublishOutcome.Replay(winner));
                }
            }
            catch (Exception again)
            {
                publish.Fail(again);
            }
        }
        catch (Exception e)
        {
            publish.Fail(e);
        }
    }

    /// <summary>The event that holds the publish's idempotency key, if it holds it still.</summary>
    public async Task<OutboxEvent?> HolderAsync(PendingPublish publish, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var holders = await HoldersAsync(scope.ServiceProvider.GetRequiredService<KeelDb>(), [publish], [publish.TenantId], ct);
        return publish.IdempotencyKey is { } key ? holders.GetValueOrDefault((publish.TenantId, key)) : null;
    }

    async Task<PublishOutcome[]> WriteTogetherAsync(IReadOnlyList<PendingPublish> batch, bool allOrNone, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var tenants = batch.Select(p => p.TenantId).Distinct().ToArray();
        var holders = await HoldersAsync(db, batch, tenants, ct);

        var outcomes = new PublishOutcome?[batch.Count];
        var sameAs = new int?[batch.Count];
        var claimed = new Dictionary<(string, string), int>();
        var fresh = new List<int>();
        for (var i = 0; i < batch.Count; i++)
        {
            var p = batch[i];
            if (p.IdempotencyKey is { } key)
            {
                if (holders.TryGetValue((p.TenantId, key), out var holder))
                {
                    outcomes[i] = PublishOutcome.Replay(holder);
                    continue;
                }
                if (claimed.TryGetValue((p.TenantId, key), out var first))
                {
                    sameAs[i] = first;
                    continue;
                }
            }
            if (p.IdempotencyKey is { } claim)
            {
                claimed[(p.TenantId, claim)] = i;
            }
            fresh.Add(i);
        }
        var schemas = await SchemasAsync(db, [.. fresh.Select(i => batch[i])], ct);
        string? SchemaOf(PendingPublish p) => schemas.GetValueOrDefault((p.TenantId, p.Type));
        var notChecked = fresh.Where(i => SchemaOf(batch[i]) is { } schema && schema != batch[i].CheckedSchema).ToList();
        if (notChecked.Count > 0 && allOrNone)
        {
            return [.. batch.Select(p => PublishOutcome.Defer(SchemaOf(p)))];
        }
        foreach (var i in notChecked)
        {
            outcomes[i] = PublishOutcome.Defer(SchemaOf(batch[i]));
        }
        fresh.RemoveAll(notChecked.Contains);
        if (fresh.Count > 0)
        {
            var (events, deliveries) = await outbox.WriteAsync(db,
                [.. fresh.Select(i => new NewEvent(batch[i].TenantId, batch[i].Type, batch[i].PayloadJson, batch[i].IdempotencyKey))], ct);
            if (deliveries > 0)
            {
                outbox.Wake(db);
            }
            for (var n = 0; n < fresh.Count; n++)
            {
                outcomes[fresh[n]] = PublishOutcome.Written(events[n]);
            }
        }
        // A repeat of a deferred publish's key waits for that publish: it is deferred too.
        return [.. outcomes.Select((o, i) => o ?? (outcomes[sameAs[i]!.Value] is { Event: { } first }
            ? PublishOutcome.Replay(first)
            : PublishOutcome.Defer(SchemaOf(batch[i]))))];
    }

    /// <summary>The schemas of the publishes' types that have one, by tenant and type.</summary>
    static async Task<Dictionary<(string, string), string>> SchemasAsync(KeelDb db, PendingPublish[] publishes, CancellationToken ct)
    {
        if (publishes.Length == 0)
        {
            return [];
        }
        var tenants = publishes.Select(p => p.TenantId).Distinct().ToArray();
        var types = publishes.Select(p => p.Type).Distinct().ToArray();
        var found = await db.EventTypes.AsNoTracking().Where(t => tenants.Contains(t.TenantId) && types.Contains(t.Name) && t.Schema != null)
            .Select(t => new { t.TenantId, t.Name, t.Schema }).ToListAsync(ct);
        return found.ToDictionary(t => (t.TenantId, t.Name), t => t.Schema!);
    }

    static void Complete(IReadOnlyList<PendingPublish> batch, PublishOutcome[] outcomes)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Complete(outcomes[i]);
        }
    }

    /// <summary>
    /// The events that hold the batch's idempotency keys, by tenant and key. A holder older than the window gives its
    /// key up (the key is cleared, so the new publish can take it).
    /// </summary>
    async Task<Dictionary<(string, string), OutboxEvent>> HoldersAsync(KeelDb db, IReadOnlyList<PendingPublish> batch, string[] tenants, CancellationToken ct)
    {
        var asked = batch.Where(p => p.IdempotencyKey is not null).Select(p => (p.TenantId, p.IdempotencyKey!)).ToHashSet();
        var holders = new Dictionary<(string, string), OutboxEvent>();
        if (asked.Count == 0)
        {
            return holders;
        }
        var keys = asked.Select(a => a.Item2).Distinct().ToArray();
        var notBefore = time.GetUtcNow().UtcDateTime - options.Value.IdempotencyWindow;
        var found = await db.Events.AsNoTracking().Where(e => tenants.Contains(e.TenantId) && keys.Contains(e.IdempotencyKey!)).ToListAsync(ct);
        // The query matches every tenant with every key; only the pairs asked for count.
        foreach (var holder in found.Where(h => asked.Contains((h.TenantId, h.IdempotencyKey!))))
        {
            if (holder.CreatedAt >= notBefore)
            {
                holders[(holder.TenantId, holder.IdempotencyKey!)] = holder;
                continue;
            }
            await db.Events.Where(e => e.TenantId == holder.TenantId && e.Id == holder.Id && e.IdempotencyKey == holder.IdempotencyKey)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.IdempotencyKey, (string?)null), ct);
        }
        return holders;
    }
}
