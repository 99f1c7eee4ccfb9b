using Keel.Hosting;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Keel.Keys;

/// <summary>
/// Tells every node that keys changed, so each evicts them from its <see cref="KeyCache"/>: through
/// Redis pub/sub when Redis is configured, else PostgreSQL NOTIFY, else (SQLite, one node) only the
/// local cache. A message is a comma-separated list of key hashes, or <c>*</c> for "forget all".
/// </summary>
public sealed partial class KeyChangeBus(
    KeyCache cache, RedisConnection redis, IOptions<StorageOptions> storage, IServiceScopeFactory scopes,
    ILogger<KeyChangeBus> logger)
{
    public const string Channel = "keel_key_changes";
    // NOTIFY payloads must stay under 8000 bytes: 100 hashes of 65 bytes each is about 6.5 KB.
    const int HashesPerMessage = 100;
    const int FlushAllAbove = 1000;

    /// <summary>Call after the change is committed: evicts here at once, then tells the other nodes.</summary>
    public async Task PublishAsync(IReadOnlyCollection<string> hashes, CancellationToken ct)
    {
        cache.Evict(hashes);
        var messages = hashes.Count > FlushAllAbove ? ["*"] : hashes.Chunk(HashesPerMessage).Select(c => string.Join(',', c));
        try
        {
            foreach (var message in messages)
            {
                await SendAsync(message, ct);
            }
        }
        catch (Exception e) when (e is RedisException or Npgsql.NpgsqlException or TimeoutException)
        {
            // The change is committed and evicted here; other nodes catch up when their cache TTL ends.
            PublishFailed(logger, e);
        }
    }

    async Task SendAsync(string message, CancellationToken ct)
    {
        if (redis.IsConfigured)
        {
            var connection = await redis.GetAsync();
            await connection.GetSubscriber().PublishAsync(RedisChannel.Literal(Channel), message);
        }
        else if (storage.Value.IsPostgres)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {message})", ct);
        }
    }

    public void Receive(string message)
    {
        if (message == "*")
        {
            cache.Clear();
        }
        else
        {
            cache.Evict(message.Split(','));
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Could not tell other nodes about a key change; they converge when their cache entries expire")]
    static partial void PublishFailed(ILogger logger, Exception exception);
}
