using Keel.Hosting;
using Keel.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Keel.Keys;

/// <summary>
/// Receives other nodes' key changes (<see cref="KeyChangeBus"/>) and evicts them here. Whenever the
/// channel was down, the whole cache is dropped: a change may have been announced while we were deaf.
/// </summary>
internal sealed partial class KeyChangeListener(
    KeyChangeBus bus, KeyCache cache, RedisConnection redis, IOptions<StorageOptions> storage,
    ILogger<KeyChangeListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (redis.IsConfigured)
        {
            await ListenRedisAsync(stoppingToken);
        }
        else if (storage.Value.IsPostgres)
        {
            await ListenPostgresAsync(stoppingToken);
        }
    }

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
                await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(KeyChangeBus.Channel),
                    (_, message) => bus.Receive(message.ToString()));
                break;
            }
            catch (RedisException e)
            {
                ChannelLost(logger, "redis", e);
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    async Task ListenPostgresAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(storage.Value.EffectiveConnectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) => bus.Receive(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {KeyChangeBus.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                cache.Clear();
                while (true)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or IOException)
            {
                ChannelLost(logger, "postgres", e);
                cache.Clear();
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Key change channel ({Channel}) lost; the key cache is dropped and the channel reopened")]
    static partial void ChannelLost(ILogger logger, string channel, Exception? exception);
}
