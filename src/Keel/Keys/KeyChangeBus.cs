using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Keel.Keys;

/// <summary>
/// Tells every node that keys changed, so each evicts them from its <see cref="KeyCache"/>: through
/// Redis pub/sub and PostgreSQL NOTIFY, whichever of them are there (<see cref="KeysOptions.ChangeChannel"/>);
/// with SQLite and no Redis there is one node and only the local cache. A message is a comma-separated
/// list of key hashes, or <c>*</c> for "forget all", after the sender's node id and a colon. Evicting
/// twice is harmless.
/// </summary>
public sealed partial class KeyChangeBus(
    KeyCache cache, RedisConnection redis, IOptions<StorageOptions> storage, IOptions<KeysOptions> options,
    IServiceScopeFactory scopes, ILogger<KeyChangeBus> logger)
{
    public string Channel => options.Value.ChangeChannelName;
    // NOTIFY payloads must stay under 8000 bytes: 100 hashes of 65 bytes each is about 6.5 KB.
    const int HashesPerMessage = 100;
    const int FlushAllAbove = 1000;

    public bool ViaRedis => redis.IsConfigured && options.Value.ChangeChannel is "auto" or "redis";

    public bool ViaPostgres => storage.Value.IsPostgres && options.Value.ChangeChannel is "auto" or "postgres";

    // Messages carry their sender, so a node skips its own echo: it evicted at once when it published,
    // and a second eviction moments later would only throw away what was cached since.
    readonly string _node = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Call after the change is committed: evicts here at once, then tells the other nodes.</summary>
    public async Task PublishAsync(IReadOnlyCollection<string> hashes, CancellationToken ct)
    {
        cache.Evict(hashes);
        var messages = (hashes.Count > FlushAllAbove ? ["*"] : hashes.Chunk(HashesPerMessage).Select(c => string.Join(',', c)))
            .Select(m => $"{_node}:{m}").ToList();
        // Each channel on its own and at once: one that is down or slow must not hold up the other.
        await Task.WhenAll(
            ViaRedis ? SendAsync("redis", messages, SendRedisAsync, ct) : Task.CompletedTask,
            ViaPostgres ? SendAsync("postgres", messages, SendPostgresAsync, ct) : Task.CompletedTask);
    }

    async Task SendAsync(string channel, List<string> messages, Func<string, CancellationToken, Task> send, CancellationToken ct)
    {
        try
        {
            foreach (var message in messages)
            {
                await send(message, ct);
            }
        }
        catch (Exception e) when (e is RedisException or Npgsql.NpgsqlException or TimeoutException)
        {
            // The change is committed and evicted here; other nodes hear it on another channel, or when
            // their cache entries expire.
            PublishFailed(logger, channel, e);
        }
    }

    async Task SendRedisAsync(string message, CancellationToken ct)
    {
        var connection = await redis.GetAsync();
        // Fire and forget: with Redis down, a revoke must not wait for a timeout (NOTIFY, or the cache
        // TTL, covers a lost message).
        await connection.GetSubscriber().PublishAsync(RedisChannel.Literal(Channel), message, CommandFlags.FireAndForget);
    }

    async Task SendPostgresAsync(string message, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {message})", ct);
    }

    public void Receive(string message)
    {
        var colon = message.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && message.AsSpan(0, colon).SequenceEqual(_node))
        {
            return;
        }
        var hashes = message[(colon + 1)..];
        if (hashes == "*")
        {
            cache.Clear();
        }
        else
        {
            cache.Evict(hashes.Split(','));
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Could not announce a key change over {Channel}")]
    static partial void PublishFailed(ILogger logger, string channel, Exception exception);
}
