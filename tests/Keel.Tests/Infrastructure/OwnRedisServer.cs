using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace Keel.Tests.Infrastructure;

/// <summary>
/// A redis-server of a test's own (<c>KEEL_REDIS_SERVER</c>, which scripts/test sets), on a free loopback port, for
/// what must not be done to the shared one: <c>SCRIPT FLUSH</c>, <c>CONFIG RESETSTAT</c>, stopping it and starting
/// it again on the same port.
/// </summary>
public sealed class OwnRedisServer : IAsyncDisposable
{
    Process _process;

    OwnRedisServer(Process process, int port, ConnectionMultiplexer connection)
    {
        _process = process;
        Port = port;
        Connection = connection;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, for <c>Redis:ConnectionString</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Fails fast once the server is gone, rather than queueing commands until it is back.</summary>
    public ConnectionMultiplexer Connection { get; }

    public IServer Server => Connection.GetServer("127.0.0.1", Port);

    public static async Task<OwnRedisServer> StartAsync()
    {
        var port = LoopbackPorts.Unused();
        var process = Launch(port);
        var config = new ConfigurationOptions
        {
            EndPoints = { { IPAddress.Loopback, port } },
            AllowAdmin = true,
            AbortOnConnectFail = false,
            BacklogPolicy = BacklogPolicy.FailFast,
            ConnectTimeout = 1000,
            AsyncTimeout = 2000,
        };
        var connection = await ConnectionMultiplexer.ConnectAsync(config);
        for (var i = 0; i < 100 && !connection.IsConnected; i++)
        {
            await Task.Delay(50);
        }
        if (!connection.IsConnected)
        {
            process.Kill();
            throw new InvalidOperationException($"redis-server did not accept connections on port {port}");
        }
        return new OwnRedisServer(process, port, connection);
    }

    /// <summary>The calls of one command since the last <c>CONFIG RESETSTAT</c>, from <c>INFO commandstats</c>.</summary>
    public async Task<long> CallsAsync(string command)
    {
        var info = await Server.InfoRawAsync("commandstats");
        var line = info!.Split('\n').FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Starts the server again on the same port, empty; <see cref="Connection"/> and Keel reconnect by themselves.</summary>
    public async Task StartAgainAsync()
    {
        _process.Dispose();
        _process = Launch(Port);
        for (var i = 0; i < 100 && !Connection.IsConnected; i++)
        {
            await Task.Delay(50);
        }
    }

    public async Task<long> KeyCountAsync() => await Server.DatabaseSizeAsync();

    static Process Launch(int port)
    {
        var binary = Environment.GetEnvironmentVariable("KEEL_REDIS_SERVER")
            ?? throw new InvalidOperationException("KEEL_REDIS_SERVER is not set: run the tests through ./scripts/test.");
        var process = Process.Start(new ProcessStartInfo(binary)
        {
            ArgumentList = { "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"could not start {binary}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Connection.DisposeAsync();
        _process.Dispose();
    }
}
