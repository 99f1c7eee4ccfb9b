namespace Keel.Usage;

/// <summary>
/// Which rows answer a range exactly: rolled-up rows where the rollup is complete, finer rows elsewhere.
/// The range splits into five contiguous pieces, <c>[C0,C1)</c> minutes, <c>[C1,C2)</c> hours,
/// <c>[C2,C3)</c> days, <c>[C3,C4)</c> hours, <c>[C4,C5)</c> minutes (any may be empty): whole days
/// before the day mark, whole hours before the hour mark, minutes for the rest. The pieces never overlap,
/// so summing every row they select counts each verification once, whatever has been rolled up so far.
/// </summary>
public readonly record struct UsageCoverage(long C0, long C1, long C2, long C3, long C4, long C5)
{
    /// <param name="from">Start, Unix seconds on a minute.</param>
    /// <param name="to">End (exclusive), Unix seconds on a minute.</param>
    /// <param name="hourMark">Hour rows are complete before this (hour-aligned); null: none are.</param>
    /// <param name="dayMark">Day rows are complete before this (day-aligned, not after the hour mark); null: none are.</param>
    public static UsageCoverage Of(long from, long to, long? hourMark, long? dayMark)
    {
        var firstHour = Granularity.Hour.Ceiling(from);
        if (hourMark is null || firstHour + 3600 > Math.Min(to, hourMark.Value))
        {
            return new(from, to, to, to, to, to);
        }
        var hoursEnd = Math.Min(Granularity.Hour.Floor(to), hourMark.Value);
        var firstDay = Granularity.Day.Ceiling(firstHour);
        if (dayMark is null || firstDay + 86400 > Math.Min(Granularity.Day.Floor(to), dayMark.Value))
        {
            return new(from, firstHour, firstHour, firstHour, hoursEnd, to);
        }
        return new(from, firstHour, firstDay, Math.Min(Granularity.Day.Floor(to), dayMark.Value), hoursEnd, to);
    }

    /// <summary>The coverage of a series at <paramref name="granularity"/>: rows no coarser than its buckets.</summary>
    public static UsageCoverage For(Granularity granularity, long from, long to, UsageMarks marks) => granularity switch
    {
        Granularity.Minute => Of(from, to, null, null),
        Granularity.Hour => Of(from, to, marks.Hour, null),
        _ => Of(from, to, marks.Hour, marks.Day),
    };
}

/// <summary>How far the rollups are complete (Unix seconds, exclusive); null before the first rollup.</summary>
public sealed record UsageMarks(long? Hour, long? Day);
