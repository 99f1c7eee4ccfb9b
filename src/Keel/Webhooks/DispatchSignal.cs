using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Keel.Webhooks;

/// <summary>
/// Wakes the dispatcher when there is new work, so a publish is attempted within milliseconds rather
/// than at the next poll. In-process it is a semaphore; across nodes a PostgreSQL NOTIFY, heard by
/// <see cref="DispatchWakeListener"/>. A lost wake-up costs at most one poll interval. A delivery this node
/// put off to a known time (a rate-limited endpoint's next slot) wakes it at that time, not at the next poll.
/// </summary>
public sealed partial class DispatchSignal(IOptions<WebhooksOptions> options, TimeProvider time, ILogger<DispatchSignal> logger) : IDisposable
{
    /// <summary>Bounds the times kept; past it a deferral waits for the poll, as before.</summary>
    const int MaxDueTimes = 10_000;

    /// <summary>
    /// How long a NOTIFY waits for other publishes to share it. Every NOTIFY takes PostgreSQL's one
    /// notification-queue lock at commit: one per publish made concurrent publishers queue on it
    /// (docs/benchmarks-history.md, Webhook storm). Other nodes hear of a publish at most this much later; this node's own
    /// dispatcher is woken at once.
    /// </summary>
    static readonly TimeSpan NotifyWindow = TimeSpan.FromMilliseconds(5);

    readonly SemaphoreSlim _wake = new(0, 1);
    readonly PriorityQueue<DateTime, DateTime> _due = new();
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

    /// <summary>Wakes this node's dispatcher when <paramref name="due"/> comes, sooner than its next poll.</summary>
    public void WakeAt(DateTime due)
    {
        lock (_due)
        {
            if (_due.Count >= MaxDueTimes)
            {
                return;
            }
            _due.Enqueue(due, due);
        }
        Wake(); // a dispatcher already waiting picks its timeout again
    }

    /// <summary>Waits for a wake-up, the next time given to <see cref="WakeAt"/>, or the timeout, whichever is first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        lock (_due)
        {
            var dueNow = false;
            while (_due.TryPeek(out var due, out _) && due <= now)
            {
                _due.Dequeue();
                dueNow = true;
            }
            if (dueNow)
            {
                return Task.CompletedTask;
            }
            if (_due.TryPeek(out var next, out _) && next - now < timeout)
            {
                // Whole milliseconds, rounded up: a wait cut short would only look again before the time.
                timeout = TimeSpan.FromMilliseconds(Math.Ceiling((next - now).TotalMilliseconds));
            }
        }
        return _wake.WaitAsync(timeout, ct);
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "Could not notify other nodes of a publish; they find it at their next poll")]
    static partial void NotifyFailed(ILogger logger, Exception exception);
}
