using StackExchange.Redis;

namespace Keel.Storage;

/// <summary>
/// The process's one Redis multiplexer, made on first use. It reconnects by itself; callers treat
/// a failed command as "Redis unavailable", never as a crash.
/// </summary>
public sealed class RedisConnection(Microsoft.Extensions.Options.IOptions<RedisOptions> options) : IAsyncDisposable
{
    readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() =>
    {
        var config = ConfigurationOptions.Parse(options.Value.ConnectionString!);
        config.AbortOnConnectFail = false; // start even if Redis is down; it reconnects when Redis is back
        return ConnectionMultiplexer.ConnectAsync(config);
    });

    public bool IsConfigured => options.Value.ConnectionString is { Length: > 0 };

    public Task<ConnectionMultiplexer> GetAsync() => _connection.Value;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            await (await _connection.Value).DisposeAsync();
        }
    }
}
