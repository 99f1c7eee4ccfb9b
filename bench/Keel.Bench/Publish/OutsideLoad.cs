using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Keel.Bench.Publish;

/// <summary>What <c>wrk</c> reported for one run: answers per second, latency percentiles, answers that were not 2xx.</summary>
public sealed record OutsideResult(double RequestsPerSecond, TimeSpan P50, TimeSpan P99, long Requests, long Non2xx, string Raw);

/// <summary>
/// Debian's <c>wrk</c>, an independent load generator in its own process (one thread, closed loop over
/// <c>-c</c> connections), to cross-check what the bench's own .NET client measures.
/// </summary>
public static partial class OutsideLoad
{
    /// <summary><paramref name="configured"/> when given ("none" for no outside run), else <c>wrk</c> on PATH, else null.</summary>
    public static string? Find(string? configured) => configured is "none" ? null : configured ?? Machine.OnPath("wrk");

    /// <summary>Runs <c>wrk</c> against <paramref name="url"/>: a POST of <paramref name="json"/> with <paramref name="bearer"/> when given, else a GET.</summary>
    public static async Task<OutsideResult> RunAsync(string wrk, Uri url, string? bearer, string? json, int connections, TimeSpan duration, CancellationToken ct)
    {
        if (!url.IsLoopback)
        {
            throw new ArgumentException($"load goes to loopback only, not {url}", nameof(url));
        }
        var script = Path.Combine(Path.GetTempPath(), $"keel-wrk-{Guid.NewGuid():N}.lua");
        var lines = new List<string>();
        if (json is not null)
        {
            lines.Add("wrk.method = \"POST\"");
            lines.Add("wrk.headers[\"Content-Type\"] = \"application/json\"");
            lines.Add($"wrk.body = [==[{json}]==]");
        }
        if (bearer is not null)
        {
            lines.Add($"wrk.headers[\"Authorization\"] = \"Bearer {bearer}\"");
        }
        await File.WriteAllLinesAsync(script, lines, ct);
        try
        {
            var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in (string[])["-t1", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency", "-s", script, url.ToString()])
            {
                start.ArgumentList.Add(arg);
            }
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{wrk} did not start");
            var output = process.StandardOutput.ReadToEndAsync(ct);
            var errors = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            var text = await output;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{wrk} exited with {process.ExitCode}: {await errors}");
            }
            return Parse(text);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Reads wrk's <c>--latency</c> report.</summary>
    public static OutsideResult Parse(string text)
    {
        var rate = Number(RateLine().Match(text), "Requests/sec");
        var requests = (long)Number(RequestsLine().Match(text), "requests in");
        var non2xx = NonSuccessLine().Match(text) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new OutsideResult(rate, Percentile(text, "50%"), Percentile(text, "99%"), requests, non2xx, text);
    }

    static double Number(Match match, string what) => match.Success
        ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
        : throw new FormatException($"wrk's report has no '{what}' line");

    static TimeSpan Percentile(string text, string percentile)
    {
        var match = Regex.Match(text, $@"^\s*{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            throw new FormatException($"wrk's report has no {percentile} latency");
        }
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "us" => TimeSpan.FromMicroseconds(value),
            "ms" => TimeSpan.FromMilliseconds(value),
            "s" => TimeSpan.FromSeconds(value),
            _ => TimeSpan.FromMinutes(value),
        };
    }

    [GeneratedRegex(@"^Requests/sec:\s+([\d.]+)", RegexOptions.Multiline)]
    private static partial Regex RateLine();

    [GeneratedRegex(@"^\s*(\d+) requests in", RegexOptions.Multiline)]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccessLine();
}
