using System.Globalization;

namespace Keel.Bench;

/// <summary>How every report writes its numbers.</summary>
internal static class ReportFormat
{
    /// <summary>Milliseconds: three decimals below 10 ms, one above.</summary>
    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString(t.TotalMilliseconds < 10 ? "F3" : "F1", CultureInfo.InvariantCulture);

    public static string Met(bool met) => met ? "yes" : "**no**";

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
