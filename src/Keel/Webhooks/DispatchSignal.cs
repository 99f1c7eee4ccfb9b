using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

/// <summary>
/// Wakes the dispatcher when there is new work, so a publish is attempted within milliseconds rather
/// than at the next poll. In-process it is a semaphore; across nodes a PostgreSQL NOTIFY, heard by
/// <see cref="DispatchWakeListener"/>. A lost wake-up costs at most one poll interval.
/// </summary>
public sealed class DispatchSignal(IOptions<WebhooksOptions> options) : IDisposable
{
    readonly SemaphoreSlim _wake = new(0, 1);

    public void Wake()
    {
        // At most one pending wake-up: many publishes while the dispatcher is busy need one more look, not many.
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another thread released it first; one wake-up is enough.
            }
        }
    }

    public async Task WakeAllAsync(KeelDb db, CancellationToken ct)
    {
        Wake();
        if (db is PostgresKeelDb)
        {
            try
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_notify({options.Value.WakeChannel}, '')", ct);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException)
            {
                // The event is committed; other nodes find it at their next poll.
            }
        }
    }

    public void Dispose() => _wake.Dispose();

    /// <summary>Waits for a wake-up or the timeout, whichever is first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _wake.WaitAsync(timeout, ct);
}
