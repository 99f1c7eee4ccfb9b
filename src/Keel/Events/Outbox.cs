using System.Text.Json;
using Keel.Storage;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Keel.Events;

/// <summary>
/// The transactional outbox. <c>StageAsync</c> adds an event, and each consumer's rows for it (a webhook
/// delivery per subscribed endpoint), to the caller's unit of work, so they commit (or not) with the change
/// that caused them: there is no moment where a change is saved and its event is not. Consumers find their
/// rows in their tables; <c>Wake</c> only makes them look sooner.
/// </summary>
public sealed class Outbox(TimeProvider time, IEnumerable<IOutboxConsumer> consumers, IOptions<JsonOptions> json)
{
    readonly IOutboxConsumer[] _consumers = [.. consumers];

    /// <summary>Stages Keel's own event (<c>key.created</c>, ...) with a payload serialised as the API would.</summary>
    public Task<StagedEvent> StageAsync(KeelDb db, string tenantId, string type, object payload, CancellationToken ct) =>
        StageAsync(db, tenantId, type, JsonSerializer.Serialize(payload, payload.GetType(), json.Value.SerializerOptions), null, ct);

    public async Task<StagedEvent> StageAsync(KeelDb db, string tenantId, string type, string payloadJson, string? idempotencyKey, CancellationToken ct)
    {
        var (events, deliveries) = await StageAsync(db, [new NewEvent(tenantId, type, payloadJson, idempotencyKey)], ct);
        return new StagedEvent(events[0], deliveries);
    }

    /// <summary>Stages many events (of any tenants) at once: each consumer looks up what it needs once for all of them.</summary>
    public async Task<(IReadOnlyList<OutboxEvent> Events, int Deliveries)> StageAsync(KeelDb db, IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        var staged = New(events);
        db.Events.AddRange(staged);
        var work = 0;
        foreach (var consumer in _consumers)
        {
            work += await consumer.StageAsync(db, staged, ct);
        }
        return (staged, work);
    }

    /// <summary>
    /// Writes events and their consumers' rows and commits, for a caller with nothing else to save (publishing). On
    /// PostgreSQL the events and each consumer's rows take one statement over arrays, not a tracked row each.
    /// </summary>
    /// <exception cref="DbUpdateException">A statement failed (as SaveChanges would report it).</exception>
    public async Task<(IReadOnlyList<OutboxEvent> Events, int Deliveries)> WriteAsync(KeelDb db, IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        if (db is not PostgresKeelDb)
        {
            var result = await StageAsync(db, events, ct);
            await db.SaveChangesAsync(ct);
            return result;
        }
        var written = New(events);
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.Database.ExecuteSqlRawAsync(InsertEvents, [
                PgArray.Of("id", written.Select(e => e.Id), NpgsqlDbType.Text),
                PgArray.Of("tenant_id", written.Select(e => e.TenantId), NpgsqlDbType.Text),
                PgArray.Of("type", written.Select(e => e.Type), NpgsqlDbType.Text),
                PgArray.Of("payload", written.Select(e => e.Payload), NpgsqlDbType.Text),
                PgArray.Of("idempotency_key", written.Select(e => e.IdempotencyKey), NpgsqlDbType.Text),
                PgArray.Of("created_at", written.Select(e => e.CreatedAt), NpgsqlDbType.TimestampTz),
            ], ct);
            var work = 0;
            foreach (var consumer in _consumers)
            {
                work += await consumer.WriteAsync(db, written, ct);
            }
            await transaction.CommitAsync(ct);
            return (written, work);
        }
        catch (NpgsqlException e)
        {
            throw new DbUpdateException($"Writing {written.Length} events failed: {e.Message}", e);
        }
    }

    const string InsertEvents = """
        INSERT INTO webhook_events (id, tenant_id, type, payload, idempotency_key, created_at)
        SELECT * FROM unnest(@id, @tenant_id, @type, @payload, @idempotency_key, @created_at)
        """;

    OutboxEvent[] New(IReadOnlyList<NewEvent> events)
    {
        var createdAt = Microseconds(time.GetUtcNow().UtcDateTime);
        return [.. events.Select(e => new OutboxEvent
        {
            Id = Ids.New("msg"),
            TenantId = e.TenantId,
            Type = e.Type,
            Payload = e.PayloadJson,
            IdempotencyKey = e.IdempotencyKey,
            CreatedAt = createdAt,
        })];
    }

    /// <summary>After the commit: wakes every consumer, on this node and, where the consumer can, on the others.</summary>
    public void Wake(KeelDb db)
    {
        foreach (var consumer in _consumers)
        {
            consumer.Wake(db);
        }
    }

    /// <summary>Wakes consumers only if the staged event gave them work.</summary>
    public void Wake(KeelDb db, StagedEvent staged)
    {
        if (staged.Deliveries > 0)
        {
            Wake(db);
        }
    }

    /// <summary>PostgreSQL keeps microseconds: the time the API answers with is the time it will read back.</summary>
    static DateTime Microseconds(DateTime t) => new(t.Ticks - t.Ticks % 10, DateTimeKind.Utc);
}

/// <summary>An event to stage: its tenant, type, payload JSON and idempotency key, if any.</summary>
public sealed record NewEvent(string TenantId, string Type, string PayloadJson, string? IdempotencyKey);

/// <summary>A staged event and how many rows its consumers staged with it (webhook deliveries).</summary>
public sealed record StagedEvent(OutboxEvent Event, int Deliveries);
