using Keel.Usage;

namespace Keel.Tests.Usage;

/// <summary>The pieces a range is read from: every minute of the range exactly once, each from rows complete for it.</summary>
public sealed class UsageCoverageTests
{
    const long H = 3600, D = 86400;
    static readonly long Day0 = new DateTimeOffset(2026, 3, 10, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    public static IEnumerable<object?[]> Cases() =>
        from start in new[] { Day0 - 90 * 60, Day0, Day0 + 5 * 60, Day0 + H, Day0 + 3 * D + 7 * 60 }
        from length in new[] { 60L, 50 * 60, 2 * H, D, 3 * D + 17 * 60, 10 * D }
        from hourMark in new long?[] { null, Day0 - D, Day0 + 2 * H, Day0 + 2 * D + 5 * H, Day0 + 20 * D }
        from dayMark in new long?[] { null, Day0, Day0 + 2 * D }
        where dayMark is null || (hourMark is not null && dayMark <= hourMark)
        select new object?[] { start, start + length, hourMark, dayMark };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Of_AnyRangeAndMarks_CoversEachMinuteOnceFromCompleteRows(long from, long to, long? hourMark, long? dayMark)
    {
        var c = UsageCoverage.Of(from, to, hourMark, dayMark);
        (long Start, long End, long Width)[] pieces = [(c.C0, c.C1, 60), (c.C1, c.C2, H), (c.C2, c.C3, D), (c.C3, c.C4, H), (c.C4, c.C5, 60)];

        Assert.Equal((from, to), (c.C0, c.C5));
        foreach (var (start, end, width) in pieces)
        {
            Assert.True(start <= end, $"piece [{start}, {end}) runs backwards");
            if (start == end)
            {
                continue;
            }
            // Whole buckets only, and only where the rollup of that width is complete.
            Assert.Equal(0, start % width);
            Assert.Equal(0, end % width);
            if (width == H)
            {
                Assert.True(end <= hourMark, $"hour rows read up to {end}, rolled up to {hourMark}");
            }
            if (width == D)
            {
                Assert.True(end <= dayMark, $"day rows read up to {end}, rolled up to {dayMark}");
            }
        }
    }

    [Fact]
    public void Of_LongRangeWithBothMarks_ReadsDaysHoursAndMinutes()
    {
        var c = UsageCoverage.Of(Day0 - 90 * 60 + 300, Day0 + 3 * D + 2 * H + 600, hourMark: Day0 + 3 * D + H, dayMark: Day0 + 2 * D);

        Assert.Equal(new UsageCoverage(Day0 - 90 * 60 + 300, Day0 - H, Day0, Day0 + 2 * D, Day0 + 3 * D + H, Day0 + 3 * D + 2 * H + 600), c);
    }

    [Fact]
    public void Of_NoRollupYet_AllMinutes()
    {
        Assert.Equal(new UsageCoverage(Day0, Day0 + 5 * D, Day0 + 5 * D, Day0 + 5 * D, Day0 + 5 * D, Day0 + 5 * D),
            UsageCoverage.Of(Day0, Day0 + 5 * D, null, null));
    }
}
