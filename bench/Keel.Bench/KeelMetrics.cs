using System.Globalization;

namespace Keel.Bench;

/// <summary>
/// Keel's own webhook meters as its <c>/metrics</c> endpoint shows them (Prometheus text), so a phase can be
/// seen from inside the dispatcher too: <c>keel_webhooks_*</c> series, each by its name and labels.
/// Subtract a snapshot taken before a phase from one taken after it for the phase's share.
/// </summary>
public sealed class KeelMetrics
{
    const string Prefix = "keel_webhooks_";
    const string Lag = "keel_webhooks_delivery_lag_seconds";
    readonly Dictionary<string, double> _series;

    KeelMetrics(Dictionary<string, double> series) => _series = series;

    public static async Task<KeelMetrics> ScrapeAsync(HttpClient client, CancellationToken ct)
    {
        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }
            // name{labels} value [timestamp]
            var end = line.IndexOf('}', StringComparison.Ordinal) is var close and > 0 ? close + 1 : line.IndexOf(' ', StringComparison.Ordinal);
            var value = line[end..].Trim().Split(' ')[0];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                series[WithoutScope(line[..end])] = v;
            }
        }
        return new KeelMetrics(series);
    }

    public static KeelMetrics operator -(KeelMetrics after, KeelMetrics before) =>
        new(after._series.ToDictionary(s => s.Key, s => s.Value - before._series.GetValueOrDefault(s.Key)));

    /// <summary>Whether Keel exports its webhook meters at all.</summary>
    public bool Any => _series.Count > 0;

    /// <summary>The sum over series of <paramref name="name"/> whose labels contain <paramref name="label"/> (e.g. <c>outcome="succeeded"</c>).</summary>
    public double Sum(string name, string? label = null) => _series
        .Where(s => (s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal)) && (label is null || s.Key.Contains(label, StringComparison.Ordinal)))
        .Sum(s => s.Value);

    public long LagCount => (long)Sum(Lag + "_count");

    public TimeSpan LagMean => LagCount > 0 ? TimeSpan.FromSeconds(Sum(Lag + "_sum") / LagCount) : TimeSpan.Zero;

    /// <summary>The bucket bound the lag's <paramref name="percent"/>th percentile falls under, from the histogram's cumulative buckets.</summary>
    public string LagPercentileBound(double percent)
    {
        var rank = percent / 100 * LagCount;
        var buckets = _series.Where(s => s.Key.StartsWith(Lag + "_bucket{", StringComparison.Ordinal))
            .Select(s => (Le: Bound(s.Key), Count: s.Value)).OrderBy(b => b.Le).ToList();
        foreach (var (le, count) in buckets)
        {
            if (count >= rank && LagCount > 0)
            {
                return double.IsPositiveInfinity(le) ? "> the largest bucket" : $"<= {le * 1000:0.#} ms";
            }
        }
        return "n/a";
    }

    static double Bound(string series)
    {
        var at = series.IndexOf("le=\"", StringComparison.Ordinal) + 4;
        var text = series[at..series.IndexOf('"', at)];
        return text == "+Inf" ? double.PositiveInfinity : double.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>The exporter may label each series with its meter (otel_scope_*); those labels say nothing here.</summary>
    static string WithoutScope(string series)
    {
        if (!series.Contains("otel_scope_", StringComparison.Ordinal))
        {
            return series;
        }
        var open = series.IndexOf('{', StringComparison.Ordinal);
        var labels = series[(open + 1)..^1].Split(',').Where(l => !l.StartsWith("otel_scope_", StringComparison.Ordinal));
        var kept = string.Join(',', labels);
        return kept.Length == 0 ? series[..open] : $"{series[..open]}{{{kept}}}";
    }
}
