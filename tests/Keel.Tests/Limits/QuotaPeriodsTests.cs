using Keel.Limits;

namespace Keel.Tests.Limits;

public sealed class QuotaPeriodsTests
{
    static DateTimeOffset Utc(int y, int m, int d, int h = 0, int min = 0, int s = 0) => new(y, m, d, h, min, s, TimeSpan.Zero);

    [Fact]
    public void Month_MidMonth_StartsOnTheFirstAtMidnightNotAtTheRequest()
    {
        Assert.Equal((Utc(2026, 11, 1), Utc(2026, 12, 1)), QuotaPeriods.Current("month", Utc(2026, 11, 17, 15, 42, 7)));
    }

    [Fact]
    public void Month_LastSecondAndNextInstant_FallInConsecutiveMonths()
    {
        var last = Utc(2026, 11, 30, 23, 59, 59).AddTicks(TimeSpan.TicksPerSecond - 1);

        Assert.Equal((Utc(2026, 11, 1), Utc(2026, 12, 1)), QuotaPeriods.Current("month", last));
        Assert.Equal((Utc(2026, 12, 1), Utc(2027, 1, 1)), QuotaPeriods.Current("month", last.AddTicks(1)));
    }

    [Fact]
    public void DecemberThirtyFirst_RollsIntoJanuaryOfTheNextYear()
    {
        Assert.Equal((Utc(2026, 12, 31), Utc(2027, 1, 1)), QuotaPeriods.Current("day", Utc(2026, 12, 31, 23, 59, 59)));
        Assert.Equal((Utc(2027, 1, 1), Utc(2027, 1, 2)), QuotaPeriods.Current("day", Utc(2027, 1, 1)));
        Assert.Equal("2027-01", QuotaPeriods.Label("month", Utc(2027, 1, 1)));
    }

    [Fact]
    public void February29_IsADayOfItsOwnAndFebruaryEndsOnMarchFirst()
    {
        Assert.Equal((Utc(2028, 2, 29), Utc(2028, 3, 1)), QuotaPeriods.Current("day", Utc(2028, 2, 29, 12)));
        Assert.Equal((Utc(2028, 2, 1), Utc(2028, 3, 1)), QuotaPeriods.Current("month", Utc(2028, 2, 29, 23, 59, 59)));
        Assert.Equal((Utc(2027, 2, 1), Utc(2027, 3, 1)), QuotaPeriods.Current("month", Utc(2027, 2, 28, 23, 59, 59)));
        Assert.Equal("2028-02-29", QuotaPeriods.Label("day", Utc(2028, 2, 29, 12)));
    }

    [Fact]
    public void Current_OfATimeWithAnOffset_UsesItsUtcCalendar()
    {
        // 01:30 on 1 December at UTC+2 is still 30 November in UTC.
        var now = new DateTimeOffset(2026, 12, 1, 1, 30, 0, TimeSpan.FromHours(2));

        var (start, end) = QuotaPeriods.Current("month", now);

        Assert.Equal((Utc(2026, 11, 1), Utc(2026, 12, 1)), (start, end));
        Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), (start.Offset, end.Offset));
        Assert.Equal("2026-11-30", QuotaPeriods.Label("day", now));
    }

    [Fact]
    public void Current_UnknownPeriod_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => QuotaPeriods.Current("week", Utc(2026, 1, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuotaPeriods.Current("Month", Utc(2026, 1, 1)));
    }
}
