namespace Keel.Limits;

/// <summary>How long a quota counter outlives its period.</summary>
internal static class QuotaRetention
{
    /// <summary>
    /// A day: a request that computed its period just before midnight may land just after it, and the count of the
    /// period just ended stays readable (usage pages, the threshold events) until the day after.
    /// </summary>
    public static readonly TimeSpan Default = TimeSpan.FromDays(1);
}
