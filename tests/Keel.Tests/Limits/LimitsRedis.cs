using Keel.Tests.Infrastructure;
using StackExchange.Redis;

namespace Keel.Tests.Limits;

/// <summary>
/// Connections to the test Redis server (<c>KEEL_TEST_REDIS</c>) for the limits tests, and a key prefix of its own for
/// each test: the server is shared, so no test ever flushes it or touches another's keys.
/// </summary>
public sealed class LimitsRedis : IAsyncLifetime
{
    ConnectionMultiplexer? _first;
    ConnectionMultiplexer? _second;

    /// <summary>One node's connection.</summary>
    public IDatabase Database => _first!.GetDatabase();

    /// <summary>A second, independent connection: another node of the cluster.</summary>
    public IDatabase OtherNode => _second!.GetDatabase();

    public static string NewPrefix() => $"keel:test:limits:{Guid.NewGuid():N}:";

    public async Task InitializeAsync()
    {
        _first = await ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
        _second = await ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
    }

    public async Task DisposeAsync()
    {
        await (_first?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_second?.DisposeAsync() ?? ValueTask.CompletedTask);
    }
}
