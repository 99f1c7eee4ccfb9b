namespace Keel.Jobs;

/// <summary>How often the rotation schedules run; the feature that owns the setting fills it in (<c>Keys:RotationScanInterval</c>).</summary>
public sealed class RotationScanOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}
