using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Keel.Webhooks;

/// <summary>
/// Wakes the dispatcher when there is new work, so a publish is attempted within milliseconds rather
/// than at the next poll. In-process it is a semaphore; across nodes a PostgreSQL NOTIFY, heard by
/// <see cref="DispatchWakeListener"/>. A lost wake-up costs at most one poll interval.
/// </summary>
public sealed partial class DispatchSignal(IOptions<WebhooksOptions> options, ILogger<DispatchSignal> logger) : IDisposable
{
    /// <summary>
    /// How long a NOTIFY waits for other publishes to share it. Every NOTIFY takes PostgreSQL's one
    /// notification-queue lock at commit: one per publish made concurrent publishers queue on it
    /// (docs/benchmarks-history.md, Webhook storm). Other nodes hear of a publish at most this much later; this node's own
    /// dispatcher is woken at once.
    /// </summary>
    static readonly TimeSpan NotifyWindow = TimeSpan.FromMilliseconds(5);

    readonly SemaphoreSlim _wake = new(0, 1);
    int _notifyScheduled;

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

    /// <summary>After a commit: wakes this node now and, on PostgreSQL, other nodes within <see cref="NotifyWindow"/>.</summary>
    public void WakeAll(KeelDb db)
    {
        Wake();
        // The first publish of a window schedules the NOTIFY; publishes that commit before it is sent share it.
        if (db is PostgresKeelDb && Interlocked.Exchange(ref _notifyScheduled, 1) == 0)
        {
            _ = NotifySoonAsync(db.Database.GetConnectionString()!);
        }
    }

    async Task NotifySoonAsync(string connectionString)
    {
        try
        {
            await Task.Delay(NotifyWindow);
            // Reset before sending: a publish committing from here on schedules its own NOTIFY, and every
            // publish that saw this one scheduled committed before it is sent.
            Volatile.Write(ref _notifyScheduled, 0);
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, '')", connection);
            notify.Parameters.AddWithValue("channel", options.Value.WakeChannel);
            await notify.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The events are committed; other nodes find them at their next poll.
            Volatile.Write(ref _notifyScheduled, 0);
            NotifyFailed(logger, e);
        }
    }

    public void Dispose() => _wake.Dispose();

    /// <summary>Waits for a wake-up or the timeout, whichever is first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _wake.WaitAsync(timeout, ct);

    [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "Could not notify other nodes of a publish; they find it at their next poll")]
    static partial void NotifyFailed(ILogger logger, Exception exception);
}
