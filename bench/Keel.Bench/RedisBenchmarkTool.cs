using System.Diagnostics;
using System.Globalization;

namespace Keel.Bench;

/// <summary>What one run of <c>redis-benchmark</c> reported (its <c>--csv</c> line).</summary>
public sealed record RedisBenchmarkResult(double RequestsPerSecond, double P50Ms, double P99Ms, TimeSpan Elapsed, string Command);

/// <summary>Runs <c>redis-benchmark</c> (the C client Redis ships) against a loopback server and reads its CSV report.</summary>
internal static class RedisBenchmarkTool
{
    public static async Task<RedisBenchmarkResult> RunAsync(string binary, int port, int clients, int pipeline, int requests, int? keys,
        IReadOnlyList<string> command, CancellationToken ct)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var args = new List<string> { "-h", "127.0.0.1", "-p", $"{port}", "-c", $"{clients}", "-P", $"{pipeline}", "-n", $"{requests}", "--csv" };
        if (keys is { } r)
        {
            args.AddRange(["-r", $"{r}"]);
        }
        args.AddRange(command);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var line = $"{binary} {string.Join(' ', args)}";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        watch.Stop();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{line} exited with {process.ExitCode}: {await errors}");
        }
        // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
        var row = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => !l.StartsWith("\"test\"", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{line} printed no result: {await output}");
        var cells = row.Split("\",\"").Select(c => c.Trim('"', '\r')).ToArray();
        double Cell(int i) => double.Parse(cells[i], CultureInfo.InvariantCulture);
        return new RedisBenchmarkResult(Cell(1), Cell(4), Cell(6), watch.Elapsed, line);
    }
}
