namespace Keel.Bench;

/// <summary>Garbage collections and allocations in this process (Keel and the load generator alike) during a run.</summary>
public readonly record struct GcStats(int Gen0, int Gen1, int Gen2, TimeSpan Pause, long AllocatedBytes)
{
    public static GcStats Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(),
        GC.GetTotalAllocatedBytes(precise: true));

    public static GcStats operator -(GcStats a, GcStats b) =>
        new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Pause - b.Pause, a.AllocatedBytes - b.AllocatedBytes);

    /// <summary>
    /// Kilobytes allocated per request, client and server together. Approximate: with server GC's dynamic
    /// heap count (DATAS) the runtime's total can jump when a heap is taken out or put back
    /// (dotnet/runtime#131069); a negative difference shows as n/a.
    /// </summary>
    public string KilobytesPer(long requests) =>
        requests == 0 || AllocatedBytes < 0 ? "n/a" : (AllocatedBytes / 1024.0 / requests).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() => $"{Gen0}/{Gen1}/{Gen2}, {Pause.TotalMilliseconds:F0} ms";
}
