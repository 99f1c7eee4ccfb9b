using System.Diagnostics.Metrics;
using Keel.Limits;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Keel.Tests.Limits;

/// <summary>
/// A <see cref="Limiter"/> as one Keel node holds it, without a host around it: a Redis connection of its own (none
/// when <c>redis</c> is null) and a quota ledger of its own, on its own SQLite file.
/// </summary>
internal sealed class LimiterNode : IAsyncDisposable
{
    readonly LedgerStorage _ledger;
    readonly RedisConnection _redis;
    readonly ServiceProvider _meters;
    readonly ILoggerFactory _loggers;

    LimiterNode(LedgerStorage ledger, RedisConnection redis, ServiceProvider meters, CapturingLoggerProvider logs)
    {
        _ledger = ledger;
        _redis = redis;
        _meters = meters;
        Logs = logs;
        _loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        Limiter = new Limiter(redis, TimeProvider.System, ledger.Ledger, new LimitsMetrics(meters.GetRequiredService<IMeterFactory>()), _loggers);
    }

    public Limiter Limiter { get; }

    /// <summary>The node's log lines.</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>This node's own quota counters, used without Redis or while it is away.</summary>
    public QuotaLedger Ledger => _ledger.Ledger;

    /// <summary>A node on the Redis at <paramref name="redis"/> (<c>host:port</c>), failing within a second when it is gone.</summary>
    public static async Task<LimiterNode> StartAsync(string? redis)
    {
        var connection = new RedisConnection(Options.Create(new RedisOptions
        {
            ConnectionString = redis is null ? null : redis + ",abortConnect=false,connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000",
        }));
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        return new LimiterNode(await LedgerStorage.StartAsync(DateTimeOffset.UtcNow), connection, meters, new CapturingLoggerProvider());
    }

    public async ValueTask DisposeAsync()
    {
        Limiter.Dispose();
        await _redis.DisposeAsync();
        await _ledger.DisposeAsync();
        await _meters.DisposeAsync();
        _loggers.Dispose();
    }
}
