using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Keel.Tests.Limits;

/// <summary>A redis-server (<c>KEEL_REDIS_SERVER</c>) on a free loopback port that a test may stop and start again on the same port.</summary>
public sealed class RestartableRedis : IAsyncDisposable
{
    readonly string _binary;
    readonly int _port;
    Process? _process;

    RestartableRedis(string binary, int port)
    {
        _binary = binary;
        _port = port;
    }

    public string Address => $"127.0.0.1:{_port}";

    public static async Task<RestartableRedis> StartAsync()
    {
        var binary = Environment.GetEnvironmentVariable("KEEL_REDIS_SERVER")
            ?? throw new InvalidOperationException("KEEL_REDIS_SERVER is not set: run the tests through ./scripts/test.");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var redis = new RestartableRedis(binary, port);
        await redis.StartAgainAsync();
        return redis;
    }

    public async Task StartAgainAsync()
    {
        _process = Process.Start(new ProcessStartInfo(_binary)
        {
            ArgumentList = { "--bind", "127.0.0.1", "--port", _port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"could not start {_binary}");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, _port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not listen on {_port}");
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async Task<long> KeyCountAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(Address);
        return await connection.GetDatabase().ExecuteAsync("DBSIZE") is { } size ? (long)size : 0;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }
}
