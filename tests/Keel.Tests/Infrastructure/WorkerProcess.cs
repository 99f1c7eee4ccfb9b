using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Keel.Tests.Infrastructure;

/// <summary>
/// Keel as a separate OS process with the worker role (<c>dotnet keel.dll serve --role worker</c> from the
/// test output folder), on the database of an in-process node. Unlike a <see cref="KeelNode"/> it can be
/// killed with SIGKILL: no graceful shutdown, no <c>finally</c>, nothing flushed, exactly a crashed node.
/// It listens on a port the kernel picks (no race for a "free" one) and says which; its output is kept
/// for the test to show. Its process tree is killed on dispose and, should the test host exit first, then.
/// </summary>
public sealed partial class WorkerProcess : IAsyncDisposable
{
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    readonly Process _process;
    readonly ConcurrentQueue<string> _output = new();
    readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    WorkerProcess(Process process)
    {
        _process = process;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The process id, kept: <see cref="Process.Id"/> throws once the process is disposed.</summary>
    public int Id { get; private set; }

    /// <summary>Where its Kestrel listens, once started.</summary>
    public Uri Address => _listening.Task.Result;

    /// <summary>What the process wrote to stdout and stderr (log level Warning: normally little).</summary>
    public IReadOnlyList<string> Output => [.. _output];

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts a worker (or another <paramref name="role"/>) on the database of <paramref name="connectionString"/> with
    /// <paramref name="settings"/> as <c>--Name=value</c> arguments, and returns once its <c>/health/ready</c> answers 200.
    /// </summary>
    public static async Task<WorkerProcess> StartAsync(
        Provider provider, string connectionString, IReadOnlyDictionary<string, string?> settings, string role = "worker")
    {
        var folder = AppContext.BaseDirectory;
        var dll = Path.Combine(folder, "keel.dll");
        Assert.True(File.Exists(dll) && File.Exists(Path.Combine(folder, "keel.runtimeconfig.json")),
            $"keel.dll or keel.runtimeconfig.json is missing from {folder}");
        // The output folder holds Keel's appsettings.json, read as in production; the database path is absolute.
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        List<string> args =
        [
            dll, "serve", "--role", role, "--urls", "http://127.0.0.1:0",
            "--Storage:Provider=" + (provider == Provider.Postgres ? "postgres" : "sqlite"),
            "--Storage:ConnectionString=" + connectionString,
            "--Keel:AdminToken=" + KeelFixture.AdminToken,
            "--Logging:LogLevel:Default=Warning",
        ];
        args.AddRange(settings.Select(s => $"--{s.Key}={s.Value}"));
        args.ForEach(start.ArgumentList.Add);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment.Remove("ASPNETCORE_URLS");

        var worker = new WorkerProcess(new Process { StartInfo = start });
        worker._process.OutputDataReceived += (_, e) => worker.Receive(e.Data);
        worker._process.ErrorDataReceived += (_, e) => worker.Receive(e.Data);
        worker._process.Start();
        worker.Id = worker._process.Id;
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        try
        {
            await worker.WaitReadyAsync();
            return worker;
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of the process that sends <paramref name="secret"/> as its bearer token (none when null).</summary>
    public HttpClient ClientWith(string? secret)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (secret is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }
        return client;
    }

    void Receive(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        if (Listening().Match(line) is { Success: true } m)
        {
            _listening.TrySetResult(new Uri(m.Groups[1].Value));
        }
    }

    async Task WaitReadyAsync()
    {
        using var deadline = new CancellationTokenSource(StartTimeout);
        var exited = _process.WaitForExitAsync(deadline.Token);
        if (await Task.WhenAny(_listening.Task, exited, Task.Delay(Timeout.Infinite, deadline.Token)) != _listening.Task)
        {
            Assert.Fail($"worker {Id} did not announce its address within {StartTimeout.TotalSeconds:0} s"
                + (_process.HasExited ? $" (exit code {_process.ExitCode})" : "") + ":\n" + string.Join('\n', Output));
        }
        using var client = new HttpClient { BaseAddress = await _listening.Task, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            Assert.False(_process.HasExited, $"worker {Id} exited with code {(_process.HasExited ? _process.ExitCode : 0)}:\n" + string.Join('\n', Output));
            Assert.False(deadline.IsCancellationRequested, $"worker {Id} was not ready within {StartTimeout.TotalSeconds:0} s:\n" + string.Join('\n', Output));
            try
            {
                using var response = await client.GetAsync("/health/ready", deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Still starting; the loop's asserts bound the wait.
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>Waits (up to 10 s) until the process has written a line that <paramref name="match"/> accepts.</summary>
    public Task WaitForOutputAsync(Func<string, bool> match) =>
        Eventually.TrueAsync(() => _output.Any(match), TimeSpan.FromSeconds(10),
            () => $"process {Id} did not write the expected line:\n" + string.Join('\n', Output));

    /// <summary>SIGKILL on Linux (<see cref="Process.Kill(bool)"/>); waits for the exit and returns the exit code.</summary>
    public async Task<int> KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var wait = new CancellationTokenSource(ExitTimeout);
        await _process.WaitForExitAsync(wait.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM <paramref name="times"/> times in a row, as a shell or an orchestrator may; waits for the exit code.</summary>
    public async Task<int> TerminateAsync(int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var kill = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        using var wait = new CancellationTokenSource(ExitTimeout);
        await _process.WaitForExitAsync(wait.Token);
        return _process.ExitCode;
    }

    void OnProcessExit(object? sender, EventArgs e) => KillIfAlive();

    void KillIfAlive()
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
            // Never started or already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        KillIfAlive();
        using (var wait = new CancellationTokenSource(ExitTimeout))
        {
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // Killed but slow to go: do not hide the test's own failure behind this one.
            }
        }
        _process.Dispose();
    }

    /// <summary>The line <c>keel serve</c> prints once Kestrel is bound, with the port it got.</summary>
    [GeneratedRegex(@"^Keel is listening on (\S+)")]
    private static partial Regex Listening();
}
