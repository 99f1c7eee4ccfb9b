using System.Text.Json;
using System.Threading.Channels;
using Keel.Events;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

/// <summary>
/// The worker that delivers webhooks. It claims due deliveries in batches (a lease per delivery, see
/// <see cref="DeliveryClaims"/>), sends up to <c>Webhooks:MaxConcurrency</c> at once and hands the
/// outcomes to a writer that records them in batches. It claims only as many as it has free slots,
/// so no lease ticks away in a local queue. Woken by <see cref="DispatchSignal"/>, polling as a backstop.
/// </summary>
internal sealed partial class DeliveryDispatcher(
    IServiceScopeFactory scopes, DispatchSignal signal, DeliverySender sender, DeliveryRecorder recorder,
    EndpointRateLimiter limiter, SecretKeeper keeper, TimeProvider time, IOptions<WebhooksOptions> options,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    readonly Channel<AttemptOutcome> _outcomes = Channel.CreateUnbounded<AttemptOutcome>(new() { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var slots = new SemaphoreSlim(o.MaxConcurrency, o.MaxConcurrency);
        var writer = Task.Run(() => WriteOutcomesAsync(CancellationToken.None), CancellationToken.None);
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
                await Task.Delay(o.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        // Let attempts in flight finish and their outcomes be written; what does not make it is re-sent after its lease.
        await Task.WhenAll(inFlight).WaitAsync(o.AttemptTimeout, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
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
        // The current secret first, then the rotated-out ones still in their grace period, newest first.
        var secrets = secretRows.GroupBy(s => s.EndpointId).ToDictionary(g => g.Key,
            g => (IReadOnlyList<byte[]>)[.. g.OrderBy(s => s.ExpiresAt is null ? 0 : 1).ThenByDescending(s => s.Id, StringComparer.Ordinal).Select(keeper.Open)]);
        var events = await db.Events.AsNoTracking()
            .Where(e => tenantIds.Contains(e.TenantId) && eventIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var bodies = events.Values.ToDictionary(e => e.Id, Body);
        return new ClaimedBatch(batch, endpoints, secrets, bodies);
    }

    async Task SendAsync(Delivery delivery, ClaimedBatch batch, SemaphoreSlim slots, CancellationToken ct)
    {
        try
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (!batch.Endpoints.TryGetValue(delivery.EndpointId, out var endpoint) || !batch.Bodies.TryGetValue(delivery.EventId, out var body))
            {
                return; // Deleted since the claim (cascade): nothing to send, nothing to record.
            }
            if (!endpoint.Enabled)
            {
                await _outcomes.Writer.WriteAsync(new AttemptOutcome(delivery, null, OutcomeKind.Deferred, now), ct);
                return;
            }
            if (await limiter.AcquireAsync(endpoint, now, ct) is { } later)
            {
                await _outcomes.Writer.WriteAsync(new AttemptOutcome(delivery, null, OutcomeKind.Deferred, later), ct);
                return;
            }
            var outcome = await sender.SendAsync(delivery, endpoint, batch.Secrets.GetValueOrDefault(delivery.EndpointId) ?? [], body, ct);
            await _outcomes.Writer.WriteAsync(outcome, CancellationToken.None);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: the lease returns the delivery to the pool.
        }
        catch (Exception e)
        {
            SendFailed(logger, delivery.Id, e);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Writes outcomes as they come, many per transaction when many are waiting.</summary>
    async Task WriteOutcomesAsync(CancellationToken ct)
    {
        var reader = _outcomes.Reader;
        List<AttemptOutcome> batch = [];
        while (await reader.WaitToReadAsync(ct))
        {
            while (batch.Count < 1000 && reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }
            try
            {
                await recorder.RecordAsync(batch, ct);
            }
            catch (Exception e)
            {
                // The database is away: the leases run out and the deliveries are sent again, same webhook-id.
                RecordFailed(logger, batch.Count, e);
                await Task.Delay(options.Value.PollInterval, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
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
        List<Delivery> Batch, Dictionary<string, WebhookEndpoint> Endpoints, Dictionary<string, IReadOnlyList<byte[]>> Secrets, Dictionary<string, byte[]> Bodies)
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
