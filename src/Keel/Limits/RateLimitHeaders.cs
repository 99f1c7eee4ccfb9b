using System.Globalization;

namespace Keel.Limits;

/// <summary>
/// The IETF httpapi-ratelimit-headers (draft 10) fields: <c>RateLimit-Policy</c> names each limit with
/// its quota <c>q</c> and window <c>w</c> (seconds); <c>RateLimit</c> says what remains <c>r</c> and
/// the seconds <c>t</c> until more is available.
/// </summary>
internal static class RateLimitHeaders
{
    public readonly record struct Entry(string Policy, long Quota, long WindowSeconds, long Remaining, long ResetSeconds);

    public static string Policy(IEnumerable<Entry> entries) =>
        string.Join(", ", entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"\"{e.Policy}\";q={e.Quota};w={e.WindowSeconds}")));

    public static string Current(IEnumerable<Entry> entries) =>
        string.Join(", ", entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"\"{e.Policy}\";r={e.Remaining};t={e.ResetSeconds}")));

    /// <summary>A bucket's window: the seconds a full burst takes to refill (at least 1).</summary>
    public static long BucketWindow(double requestsPerSecond, long burst) => Math.Max(1, (long)Math.Ceiling(burst / requestsPerSecond));

    /// <summary>Whole seconds, rounded up, so a client that waits <c>t</c> is never early.</summary>
    public static long Seconds(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(span.TotalSeconds);
}
