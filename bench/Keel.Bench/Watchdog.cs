namespace Keel.Bench;

/// <summary>Ends the process if a scenario runs far past its planned time, so no run is left hanging.</summary>
internal static class Watchdog
{
    public static IDisposable Start(TimeSpan limit) => new Timer(_ =>
    {
        Console.Error.WriteLine($"bench: still running after {limit.TotalSeconds:F0} s, far past the plan; exiting.");
        Environment.Exit(3);
    }, null, limit, Timeout.InfiniteTimeSpan);
}
