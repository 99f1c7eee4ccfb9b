using System.ComponentModel.DataAnnotations;

namespace Keel.Jobs;

/// <summary>How often the rotation schedules run; the feature that owns the setting binds it (<c>Keys:RotationScanInterval</c>).</summary>
public sealed class RotationScanOptions
{
    /// <summary>
    /// How often the node holding the <c>rotation</c> lease looks for rotation notices, scheduled rotations and successor
    /// secrets whose grace ended. A rotation happens at most this long after it is due.
    /// </summary>
    [ConfigurationKeyName("RotationScanInterval")] // Task.Delay takes at most about 49 days
    [Range(typeof(TimeSpan), "00:00:01", "49.00:00:00", ErrorMessage = "Keys:RotationScanInterval must be from 1 second to 49 days.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}
