using Keel.Storage;

namespace Keel.Events;

/// <summary>
/// A consumer of staged events that keeps its own rows, written in the publisher's transaction: webhook
/// deliveries today; streams, audit and queues are the next ones.
/// </summary>
public interface IOutboxConsumer
{
    /// <summary>Adds this consumer's rows for <paramref name="events"/> to the caller's unit of work; returns how many.</summary>
    Task<int> StageAsync(KeelDb db, IReadOnlyList<OutboxEvent> events, CancellationToken ct);

    /// <summary>
    /// On PostgreSQL, for events already written in the caller's open transaction: writes this consumer's rows in one
    /// statement over arrays; returns how many.
    /// </summary>
    Task<int> WriteAsync(KeelDb db, IReadOnlyList<OutboxEvent> events, CancellationToken ct);

    /// <summary>After a commit that staged work: look now rather than at the next poll.</summary>
    void Wake(KeelDb db);
}
