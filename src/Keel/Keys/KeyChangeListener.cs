using Keel.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Keel.Keys;

/// <summary>
/// Receives other nodes' key changes (<see cref="KeyChangeBus"/>) and evicts them here. When a channel
/// comes (back) up, the whole cache is dropped: a change may have been announced while we were deaf.
/// </summary>
internal sealed partial class KeyChangeListener(
    KeyChangeBus bus, KeyCache cache, RedisConnection redis, IOptions<StorageOptions> storage,
    ILogger<KeyChangeListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        bus.ViaRedis ? ListenRedisAsync(stoppingToken) : Task.CompletedTask,
        bus.ViaPostgres ? ListenPostgresAsync(stoppingToken) : Task.CompletedTask);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "The channel is retried after any failure; one escaping would stop the host.")]
    async Task ListenRedisAsync(CancellationToken ct)
    {
        var connection = await redis.GetAsync();
        connection.ConnectionRestored += (_, _) => cache.Clear();
        connection.ConnectionFailed += (_, e) => ChannelLost(logger, "redis", e.Exception);
        // Redis may be down at start; once subscribed, the multiplexer re-subscribes by itself.
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(bus.Channel),
                    (_, message) => bus.Receive(message.ToString()));
                // The node served requests before this: what it cached meanwhile may have missed a change.
                cache.Clear();
                break;
            }
            // Not only RedisException: a subscribe that got no answer in time is a TimeoutException, and
            // any exception escaping a hosted service stops the whole host.
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                ChannelLost(logger, "redis", e);
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    // The cache is kept while the channel is down, so verification rides out a database outage on
    // what it knows; it is dropped once LISTEN works again, since changes made meanwhile were missed.
    // The cache TTL bounds how stale it can get until then.
    Task ListenPostgresAsync(CancellationToken ct) => PostgresListener.ListenAsync(
        storage.Value.EffectiveConnectionString, bus.Channel, bus.Receive, cache.Clear, e => ChannelLost(logger, "postgres", e), ct);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Key change channel ({Channel}) lost; reopening it, and the key cache is dropped once it is back")]
    static partial void ChannelLost(ILogger logger, string channel, Exception? exception);
}
