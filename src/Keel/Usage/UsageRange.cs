using System.Globalization;

namespace Keel.Usage;

/// <summary>The <c>from</c>, <c>to</c> and <c>granularity</c> query parameters of the usage routes, checked.</summary>
internal readonly record struct UsageRange(long From, long To, Granularity Granularity)
{
    /// <summary>The most buckets one answer holds: a day of minutes, a month of hours, two years of days.</summary>
    public static long MaxBuckets(Granularity g) => g switch
    {
        Granularity.Minute => 1440,
        Granularity.Hour => 744,
        _ => 731,
    };

    static TimeSpan DefaultSpan(Granularity g) => g switch
    {
        Granularity.Minute => TimeSpan.FromHours(1),
        Granularity.Hour => TimeSpan.FromDays(1),
        _ => TimeSpan.FromDays(30),
    };

    /// <summary>A series' range (granularity defaults to <c>hour</c>); adds what is wrong to <paramref name="errors"/>.</summary>
    public static UsageRange Series(string? from, string? to, string? granularity, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        var g = Granularity.Hour;
        if (granularity is not null && !Granularities.TryParse(granularity, out g))
        {
            errors["granularity"] = ["granularity must be 'minute', 'hour' or 'day'."];
            return default;
        }
        var (start, end) = Span(from, to, now, DefaultSpan(g), errors);
        if (errors.Count == 0 && (g.Ceiling(end) - g.Floor(start)) / g.Seconds() > MaxBuckets(g))
        {
            errors["to"] = [$"The range holds more than {MaxBuckets(g)} buckets of a {granularity ?? "hour"}; narrow it or choose a coarser granularity."];
        }
        return new(start, end, g);
    }

    /// <summary>A range for totals: on whole minutes, at most as long as day rows are worth showing.</summary>
    public static (long From, long To) Totals(string? from, string? to, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        var (start, end) = Span(from, to, now, TimeSpan.FromDays(1), errors);
        (start, end) = (Granularity.Minute.Floor(start), Granularity.Minute.Ceiling(end));
        if (errors.Count == 0 && end - start > MaxBuckets(Granularity.Day) * Granularity.Day.Seconds())
        {
            errors["to"] = [$"The range is longer than {MaxBuckets(Granularity.Day)} days."];
        }
        return (start, end);
    }

    static (long From, long To) Span(string? from, string? to, DateTimeOffset now, TimeSpan defaultSpan, Dictionary<string, string[]> errors)
    {
        var end = now;
        if (to is not null && !TryTime(to, out end))
        {
            errors["to"] = ["to must be an RFC 3339 time from 1970 on, such as 2026-01-31T00:00:00Z."];
            end = now;
        }
        var start = end - defaultSpan;
        if (from is not null && !TryTime(from, out start))
        {
            errors["from"] = ["from must be an RFC 3339 time from 1970 on, such as 2026-01-01T00:00:00Z."];
        }
        if (errors.Count == 0 && start >= end)
        {
            errors["from"] = ["from must be before to."];
        }
        return errors.Count == 0 ? (start.ToUnixTimeSeconds(), end.ToUnixTimeSeconds()) : default;
    }

    internal static bool TryTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time)
        // Unix seconds from 0, and room to round up to the next day.
        && time >= DateTimeOffset.UnixEpoch && time.Year < 9999;
}
