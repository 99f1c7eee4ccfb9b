using System.Diagnostics.CodeAnalysis;

namespace Keel.Usage;

/// <summary>
/// A bucket width, in seconds. Usage rows store their bucket's start as Unix seconds (<c>ts</c>), so the
/// bucket of any finer row is <c>ts - ts % width</c>, the same arithmetic on both databases.
/// </summary>
[SuppressMessage("Design", "CA1008", Justification = "The values are bucket widths in seconds; a zero width has no meaning.")]
public enum Granularity
{
    Minute = 60,
    Hour = 3600,
    Day = 86400,
}

public static class Granularities
{
    public static bool TryParse(string? text, out Granularity granularity)
    {
        (var ok, granularity) = text switch
        {
            "minute" => (true, Granularity.Minute),
            "hour" => (true, Granularity.Hour),
            "day" => (true, Granularity.Day),
            _ => (false, default),
        };
        return ok;
    }

    public static long Seconds(this Granularity g) => (long)g;

    public static long Floor(this Granularity g, long ts) => ts - ts % g.Seconds();

    public static long Ceiling(this Granularity g, long ts) => g.Floor(ts + g.Seconds() - 1);
}
