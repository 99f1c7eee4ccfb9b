using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Keel.Bench;

/// <summary>
/// A redis-server of the bench's own on a free loopback port (no persistence), so that its statistics can be reset and
/// nothing else shares it; killed on dispose and, should the bench exit without disposing (watchdog), at process exit.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    readonly Process _process;

    RedisServerProcess(Process process, int port, ConnectionMultiplexer connection)
    {
        _process = process;
        Port = port;
        Connection = connection;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public int Port { get; }

    public ConnectionMultiplexer Connection { get; }

    public IServer Server => Connection.GetServer("127.0.0.1", Port);

    public static async Task<RedisServerProcess> StartAsync(string binary)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no"])
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Console.Error.WriteLine($"redis-server: {line}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var config = new ConfigurationOptions { EndPoints = { { IPAddress.Loopback, port } }, AllowAdmin = true, AbortOnConnectFail = false };
        var connection = await ConnectionMultiplexer.ConnectAsync(config);
        for (var i = 0; i < 100 && !connection.IsConnected; i++)
        {
            await Task.Delay(50);
        }
        if (!connection.IsConnected)
        {
            process.Kill();
            throw new InvalidOperationException($"{binary} did not accept connections on 127.0.0.1:{port}");
        }
        return new RedisServerProcess(process, port, connection);
    }

    /// <summary>The server process's CPU time so far (user and system, from /proc).</summary>
    public TimeSpan CpuTime()
    {
        // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the ")" that ends the name.
        var fields = File.ReadAllText($"/proc/{_process.Id}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }

    /// <summary>One command's line of <c>INFO commandstats</c> since the last <c>CONFIG RESETSTAT</c>: calls and microseconds per call.</summary>
    public async Task<(long Calls, double MicrosPerCall)> CommandStatsAsync(string command)
    {
        var info = await Server.InfoRawAsync("commandstats") ?? "";
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        if (line is null)
        {
            return (0, 0);
        }
        var values = line.Split(':', 2)[1].Trim().Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        return (long.Parse(values["calls"], CultureInfo.InvariantCulture), double.Parse(values["usec_per_call"], CultureInfo.InvariantCulture));
    }

    public Task ResetStatsAsync() => Server.ExecuteAsync("CONFIG", "RESETSTAT");

    void OnProcessExit(object? sender, EventArgs e) => Kill();

    void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await Connection.DisposeAsync();
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
