namespace Keel.Usage;

/// <summary>What every usage row has: its bucket, so one coverage predicate serves both tables.</summary>
public interface IUsageRow
{
    /// <summary>The bucket width in seconds (60, 3600, 86400).</summary>
    int Granularity { get; }
    /// <summary>The bucket's start, Unix seconds.</summary>
    long Ts { get; }
}
