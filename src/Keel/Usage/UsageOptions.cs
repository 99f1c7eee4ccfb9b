using System.ComponentModel.DataAnnotations;

namespace Keel.Usage;

/// <summary>The <c>Keys:Usage</c> configuration section: counting, rollups and retention of key usage.</summary>
public sealed class UsageOptions : IValidatableObject
{
    /// <summary>How often each node writes its in-memory counters (one batch per flush, never a write per request).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "Keys:Usage:FlushInterval must be from 1 second to 1 minute.")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a worker rolls minutes up to hours and hours to days, and applies retention.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00", ErrorMessage = "Keys:Usage:RollupInterval must be from 5 seconds to 1 hour.")]
    public TimeSpan RollupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long after an hour ends it is rolled up: every node must have flushed its last minutes by then.
    /// Hours are also recomputed for two hours after that, so a flush later still is counted at the next rollup.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00", ErrorMessage = "Keys:Usage:RollupLag must be from 10 seconds to 1 hour.")]
    public TimeSpan RollupLag { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long minute rows are kept (what <c>granularity=minute</c> can show).</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "90.00:00:00", ErrorMessage = "Keys:Usage:MinuteRetention must be from 1 to 90 days.")]
    public TimeSpan MinuteRetention { get; set; } = TimeSpan.FromDays(7);

    [Range(typeof(TimeSpan), "7.00:00:00", "3660.00:00:00", ErrorMessage = "Keys:Usage:HourRetention must be from 7 days to 10 years.")]
    public TimeSpan HourRetention { get; set; } = TimeSpan.FromDays(90);

    [Range(typeof(TimeSpan), "31.00:00:00", "36600.00:00:00", ErrorMessage = "Keys:Usage:DayRetention must be from 31 days to 100 years.")]
    public TimeSpan DayRetention { get; set; } = TimeSpan.FromDays(731);

    /// <summary>
    /// Counters a node holds at most (one per key and minute, one per failure code, prefix and minute). They are
    /// dropped once flushed, so this bounds memory only while the database is away: past it, verifications are
    /// answered but not counted, and the flusher logs how many.
    /// </summary>
    [Range(1000, 100_000_000, ErrorMessage = "Keys:Usage:MaxCounters must be from 1000 to 100000000.")]
    public int MaxCounters { get; set; } = 2_000_000;

    /// <summary>Rows removed per DELETE by retention, so one run never holds long locks.</summary>
    [Range(100, 100_000, ErrorMessage = "Keys:Usage:RetentionBatchSize must be from 100 to 100000.")]
    public int RetentionBatchSize { get; set; } = 5000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A minute flushed after its hour was rolled up is only counted if the rollup still sees it.
        if (RollupLag < FlushInterval * 2)
        {
            yield return new ValidationResult("Keys:Usage:RollupLag must be at least twice Keys:Usage:FlushInterval.", [nameof(RollupLag)]);
        }
        if (HourRetention < MinuteRetention || DayRetention < HourRetention)
        {
            yield return new ValidationResult(
                "Keys:Usage:HourRetention must be at least Keys:Usage:MinuteRetention, and Keys:Usage:DayRetention at least Keys:Usage:HourRetention.",
                [nameof(HourRetention)]);
        }
    }
}
