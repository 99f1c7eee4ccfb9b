using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Threading.Channels;
using Keel.Events;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

/// <summary>
/// The worker that delivers webhooks. It claims due deliveries in batches (a lease per delivery, see
/// <see cref="DeliveryClaims"/>), sends them and hands the outcomes to a writer that records them in
/// batches. A delivery holds one of <c>Webhooks:MaxConcurrency</c> slots from its claim until its outcome
/// is recorded, and only as many are claimed as there are free slots: no lease ticks away in a local
/// queue, and a recorder that falls behind slows the claims. Woken by <see cref="DispatchSignal"/>,
/// polling as a backstop.
/// </summary>
internal sealed partial class DeliveryDispatcher(
    IServiceScopeFactory scopes, DispatchSignal signal, DeliverySender sender, DeliveryRecorder recorder,
    EndpointRateLimiter limiter, TimeProvider time, IOptions<WebhooksOptions> options, WebhookMetrics metrics,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    // Never full: each outcome in it holds a slot. Bounded all the same, so a broken count shows as a stall, not as memory.
    readonly Channel<AttemptOutcome> _outcomes = Channel.CreateBounded<AttemptOutcome>(
        new BoundedChannelOptions(options.Value.MaxConcurrency) { SingleReader = true });
    int _recording; // taken from the channel by the writer, not yet recorded

    [SuppressMessage("Reliability", "CA2000", Justification = "Attempts may outlive the loop by AttemptTimeout and still release slots; a SemaphoreSlim whose wait handle is never asked for holds nothing to dispose.")]
    [SuppressMessage("Design", "CA1031", Justification = "The dispatcher outlives any one failed claim: it logs, waits and claims again.")]
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var slots = new SemaphoreSlim(o.MaxConcurrency, o.MaxConcurrency);
        metrics.ObserveUnrecordedOutcomes(() => _outcomes.Reader.Count + Volatile.Read(ref _recording));
        var writer = Task.Run(() => WriteOutcomesAsync(slots, CancellationToken.None), CancellationToken.None);
        List<Task> inFlight = [];
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await slots.WaitAsync(stoppingToken);
                slots.Release();
                var claimed = await ClaimAsync(Math.Max(1, Math.Min(o.ClaimBatchSize, slots.CurrentCount)), stoppingToken);
                if (claimed.Batch.Count == 0)
                {
                    await signal.WaitAsync(o.PollInterval, stoppingToken);
                    continue;
                }
                inFlight.RemoveAll(t => t.IsCompleted);
                foreach (var delivery in claimed.Batch)
                {
                    await slots.WaitAsync(stoppingToken);
                    inFlight.Add(SendAsync(delivery, claimed, slots, stoppingToken));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The database is down or a row is poisonous: log, breathe, go on. Leases bring back what was claimed.
                ClaimFailed(logger, e);
                await Task.Delay(o.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        // Let attempts in flight finish and their outcomes be written; what does not make it is re-sent after its lease.
        await Task.WhenAll(inFlight).WaitAsync(o.AttemptTimeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _outcomes.Writer.TryComplete();
        await writer;
    }

    async Task<ClaimedBatch> ClaimAsync(int limit, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var now = time.GetUtcNow().UtcDateTime;
        var batch = await DeliveryClaims.ClaimAsync(db, now, now + options.Value.LeaseDuration, limit, ct);
        if (batch.Count == 0)
        {
            return ClaimedBatch.Empty;
        }
        var tenantIds = batch.Select(d => d.TenantId).Distinct().ToList();
        var endpointIds = batch.Select(d => d.EndpointId).Distinct().ToList();
        var eventIds = batch.Select(d => d.EventId).Distinct().ToList();
        var endpoints = await db.Endpoints.AsNoTracking()
            .Where(e => tenantIds.Contains(e.TenantId) && endpointIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var secretRows = await db.EndpointSecrets.AsNoTracking()
            .Where(s => endpointIds.Contains(s.EndpointId) && (s.ExpiresAt == null || s.ExpiresAt > now)).ToListAsync(ct);
        // The current secret first, then the rotated-out ones still in their grace period, newest first. Each
        // delivery opens them itself, so one that does not decrypt fails only the deliveries of its endpoint.
        var secrets = secretRows.GroupBy(s => s.EndpointId).ToDictionary(g => g.Key,
            g => (IReadOnlyList<EndpointSecret>)[.. g.OrderBy(s => s.ExpiresAt is null ? 0 : 1).ThenByDescending(s => s.Id, StringComparer.Ordinal)]);
        var events = await db.Events.AsNoTracking()
            .Where(e => tenantIds.Contains(e.TenantId) && eventIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var bodies = events.Values.ToDictionary(e => e.Id, Body);
        return new ClaimedBatch(batch, endpoints, secrets, bodies);
    }

    /// <summary>Sends one delivery and hands its outcome to the writer, which frees its slot once it is recorded.</summary>
    [SuppressMessage("Design", "CA1031", Justification = "An attempt that fails in any way is logged and its slot freed; its lease brings the delivery back.")]
    async Task SendAsync(Delivery delivery, ClaimedBatch batch, SemaphoreSlim slots, CancellationToken ct)
    {
        try
        {
            if (await AttemptAsync(delivery, batch, ct) is { } outcome)
            {
                await _outcomes.Writer.WriteAsync(outcome, CancellationToken.None);
                return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: the lease returns the delivery to the pool.
        }
        catch (Exception e)
        {
            SendFailed(logger, delivery.Id, e);
        }
        slots.Release();
    }

    /// <summary>The outcome to record, or null when there is nothing to record.</summary>
    async Task<AttemptOutcome?> AttemptAsync(Delivery delivery, ClaimedBatch batch, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (!batch.Endpoints.TryGetValue(delivery.EndpointId, out var endpoint) || !batch.Bodies.TryGetValue(delivery.EventId, out var body))
        {
            return null; // Deleted since the claim (cascade): nothing to send, nothing to record.
        }
        if (!endpoint.Enabled)
        {
            return new AttemptOutcome(delivery, null, OutcomeKind.Deferred, now);
        }
        if (await limiter.AcquireAsync(endpoint, now, ct) is { } later)
        {
            return new AttemptOutcome(delivery, null, OutcomeKind.Deferred, later);
        }
        return await sender.SendAsync(delivery, endpoint, batch.Secrets.GetValueOrDefault(delivery.EndpointId) ?? [], body, ct);
    }

    /// <summary>Writes outcomes as they come, many per transaction when many are waiting, then frees their slots.</summary>
    [SuppressMessage("Design", "CA1031", Justification = "Outcomes that cannot be written are logged; the leases run out and the deliveries are sent again.")]
    async Task WriteOutcomesAsync(SemaphoreSlim slots, CancellationToken ct)
    {
        var reader = _outcomes.Reader;
        List<AttemptOutcome> batch = [];
        while (await reader.WaitToReadAsync(ct))
        {
            while (batch.Count < 1000 && reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }
            Volatile.Write(ref _recording, batch.Count);
            try
            {
                await recorder.RecordAsync(batch, ct);
                // Once written, a delivery put off to a known time is claimed at that time, not at the next poll.
                foreach (var outcome in batch)
                {
                    if (outcome is { Kind: OutcomeKind.Deferred or OutcomeKind.Retry, NextAttemptAt: { } due })
                    {
                        signal.WakeAt(due);
                    }
                }
            }
            catch (Exception e)
            {
                // The database is away: the leases run out and the deliveries are sent again, same webhook-id.
                RecordFailed(logger, batch.Count, e);
                await Task.Delay(options.Value.PollInterval, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            Volatile.Write(ref _recording, 0);
            slots.Release(batch.Count);
            batch.Clear();
        }
    }

    /// <summary><c>{"type", "timestamp", "data"}</c>, made once per event and shared by its endpoints.</summary>
    static byte[] Body(OutboxEvent e)
    {
        using var buffer = new MemoryStream(e.Payload.Length + 128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", e.Type);
            json.WriteString("timestamp", e.CreatedAt);
            json.WritePropertyName("data");
            json.WriteRawValue(e.Payload, skipInputValidation: true);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    sealed record ClaimedBatch(
        List<Delivery> Batch, Dictionary<string, WebhookEndpoint> Endpoints, Dictionary<string, IReadOnlyList<EndpointSecret>> Secrets,
        Dictionary<string, byte[]> Bodies)
    {
        public static readonly ClaimedBatch Empty = new([], [], [], []);
    }

    [LoggerMessage(EventId = 45, Level = LogLevel.Error, Message = "Claiming webhook deliveries failed; retrying")]
    static partial void ClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 46, Level = LogLevel.Error, Message = "Sending delivery {DeliveryId} failed unexpectedly; it is retried after its lease")]
    static partial void SendFailed(ILogger logger, string deliveryId, Exception exception);

    [LoggerMessage(EventId = 47, Level = LogLevel.Error, Message = "Recording {Count} delivery outcomes failed; they are sent again after their lease")]
    static partial void RecordFailed(ILogger logger, int count, Exception exception);
}
