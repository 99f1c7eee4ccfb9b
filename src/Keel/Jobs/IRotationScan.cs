namespace Keel.Jobs;

/// <summary>
/// One kind of scheduled rotation (API keys, webhook secrets), run by <see cref="RotationScheduler"/>
/// under its lease. A scan claims each row with a conditional update, so even two scans at once (a lost
/// lease, a test) do nothing twice.
/// </summary>
public interface IRotationScan
{
    /// <summary>What it rotates, for logs.</summary>
    string Name { get; }

    /// <summary>Sends the notices due, rotates what is due and cleans up after grace periods; returns how many rows it acted on.</summary>
    Task<int> RunAsync(CancellationToken ct);
}
