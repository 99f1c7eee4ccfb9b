using System.Globalization;

namespace Keel.Limits;

/// <summary>
/// Calendar quota periods in UTC: a day starts at 00:00 UTC, a month on the 1st at 00:00 UTC, whenever the first request
/// comes (a period anchored at the first request, as Tyk does, would give each tenant its own month).
/// </summary>
internal static class QuotaPeriods
{
    public const string Day = "day";
    public const string Month = "month";

    /// <summary>The period containing <paramref name="now"/>: its start (inclusive) and end (exclusive), both UTC.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Current(string period, DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var start = period switch
        {
            Day => utc.Date,
            Month => new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc),
            _ => throw new ArgumentOutOfRangeException(nameof(period), period, $"must be \"{Day}\" or \"{Month}\""),
        };
        var end = period == Day ? start.AddDays(1) : start.AddMonths(1);
        return (new DateTimeOffset(start, TimeSpan.Zero), new DateTimeOffset(end, TimeSpan.Zero));
    }

    /// <summary>The period's name for counter keys: <c>2026-11-25</c> for a day, <c>2026-11</c> for a month.</summary>
    public static string Label(string period, DateTimeOffset now)
    {
        var start = Current(period, now).Start;
        return start.ToString(period == Day ? "yyyy-MM-dd" : "yyyy-MM", CultureInfo.InvariantCulture);
    }
}
