using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Keel.Bench;

/// <summary>
/// Keel as a separate process: <c>dotnet keel.dll serve</c> from the bench's own output folder (the
/// project reference copies <c>keel.dll</c> and its runtimeconfig there), on a free loopback port, a
/// fresh SQLite file in a temporary folder (or the storage a scenario's settings name), the bench admin
/// token and log level Warning. Its own GC and
/// thread pool, the same cores. Its output is drained (to stderr) so the pipes never fill; the process
/// tree is killed on dispose and, should the bench exit without disposing (watchdog), at process exit.
/// </summary>
public sealed class KeelProcess : IKeel
{
    public const string TrivialPath = "/health/live";
    public const string TrivialBody = "\"status\":\"healthy\"";
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    readonly Process _process;
    readonly string _directory;

    KeelProcess(Process process, string directory, Uri baseAddress)
    {
        _process = process;
        _directory = directory;
        BaseAddress = baseAddress;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public Uri BaseAddress { get; }

    /// <summary>The process id, to read its CPU time.</summary>
    public int Id => _process.Id;

    /// <param name="settings">Configuration on top of the bench defaults, passed as <c>--Key=Value</c> (the last of a key wins).</param>
    /// <param name="ct">Cancels the start.</param>
    public static async Task<KeelProcess> StartAsync(IReadOnlyDictionary<string, string?>? settings, CancellationToken ct)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "keel.dll");
        if (!File.Exists(dll) || !File.Exists(Path.Combine(AppContext.BaseDirectory, "keel.runtimeconfig.json")))
        {
            throw new FileNotFoundException($"keel.dll or keel.runtimeconfig.json not found beside the bench in {AppContext.BaseDirectory}", dll);
        }
        var directory = Path.Combine(Path.GetTempPath(), "keel-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        // The working directory is the empty temporary folder, so Keel reads the appsettings.json beside keel.dll.
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[dll, "serve", "--urls", baseAddress.ToString().TrimEnd('/'),
            $"--Storage:ConnectionString=Data Source={Path.Combine(directory, "keel.db")}",
            $"--Keel:AdminToken={KeelServer.AdminToken}", "--Logging:LogLevel:Default=Warning"])
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            start.ArgumentList.Add($"--{key}={value}");
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var keel = new KeelProcess(process, directory, baseAddress);
        try
        {
            await keel.WaitLiveAsync(ct);
            await Console.Error.WriteLineAsync($"bench: Keel running as process {process.Id} ({dll}) on {baseAddress}");
            return keel;
        }
        catch
        {
            await keel.DisposeAsync();
            throw;
        }
    }

    async Task WaitLiveAsync(CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Keel exited with code {_process.ExitCode} before answering {TrivialPath}");
            }
            try
            {
                using var response = await client.GetAsync(new Uri(TrivialPath, UriKind.Relative), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // slow to answer while starting
            }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException($"Keel did not answer 200 on {TrivialPath} within {StartTimeout.TotalSeconds:F0} s");
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static void Forward(string? line)
    {
        if (line is not null)
        {
            Console.Error.WriteLine("  keel: " + line);
        }
    }

    void OnProcessExit(object? sender, EventArgs e) => Kill();

    void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
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
        Kill();
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"bench: Keel process {_process.Id} did not exit within 30 s of being killed");
            }
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"bench: could not delete {_directory}: {e.Message}");
        }
    }
}
