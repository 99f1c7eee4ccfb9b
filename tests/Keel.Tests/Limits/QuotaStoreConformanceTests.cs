using Keel.Limits;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Limits;

/// <summary>What every <see cref="IQuotaStore"/> must do, run against each store by a subclass.</summary>
public abstract class QuotaStoreConformanceTests
{
    /// <summary>How long the stores under test keep a counter after its period: short, so a test can watch it go.</summary>
    protected static readonly TimeSpan Retention = TimeSpan.FromMilliseconds(300);

    private protected abstract IQuotaStore Store { get; }

    private protected abstract TestClock Clock { get; }

    /// <summary>When the store drops the counter, or null when it holds none under <paramref name="key"/>.</summary>
    private protected abstract Task<DateTimeOffset?> ExpiresAtAsync(string key);

    DateTimeOffset PeriodEnd => Clock.UtcNow.AddDays(1);

    Task<QuotaDecision> ConsumeAsync(string key, long limit, long cost = 1, DateTimeOffset? periodEnd = null) =>
        Store.ConsumeAsync(key, limit, cost, periodEnd ?? PeriodEnd, CancellationToken.None).AsTask();

    Task<long> UsedAsync(string key) => Store.UsedAsync(key, PeriodEnd, CancellationToken.None).AsTask();

    [Fact]
    public async Task Consume_UpToTheLimit_AllowedThenRefused()
    {
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(new QuotaDecision(true, i, 5, 5 - i), await ConsumeAsync("q", 5));
        }

        Assert.Equal(new QuotaDecision(false, 5, 5, 0), await ConsumeAsync("q", 5));
        Assert.Equal(5, await UsedAsync("q"));
    }

    [Fact]
    public async Task Consume_Refused_ChangesNothing()
    {
        await ConsumeAsync("q", 10, 8);

        var refused = await ConsumeAsync("q", 10, 3);
        var usedAfter = await UsedAsync("q");
        var fits = await ConsumeAsync("q", 10, 2);

        Assert.Equal(new QuotaDecision(false, 8, 10, 2), refused);
        Assert.Equal(8, usedAfter);
        Assert.Equal(new QuotaDecision(true, 10, 10, 0), fits);
    }

    [Fact]
    public async Task Consume_CostAboveTheLimit_RefusedAndLeavesNoCounter()
    {
        var refused = await ConsumeAsync("q", 5, 6);

        Assert.Equal(new QuotaDecision(false, 0, 5, 5), refused);
        Assert.Equal(0, await UsedAsync("q"));
        Assert.Null(await ExpiresAtAsync("q"));
    }

    [Fact]
    public async Task Consume_CostZero_ReportsWithoutCounting()
    {
        var fresh = await ConsumeAsync("fresh", 5, 0);
        await ConsumeAsync("q", 5, 3);

        var report = await ConsumeAsync("q", 5, 0);

        Assert.Equal(new QuotaDecision(true, 0, 5, 5), fresh);
        Assert.Null(await ExpiresAtAsync("fresh"));
        Assert.Equal(new QuotaDecision(true, 3, 5, 2), report);
        Assert.Equal(3, await UsedAsync("q"));
    }

    [Fact]
    public async Task Consume_LimitLoweredBelowUse_RefusedWithNothingRemaining()
    {
        await ConsumeAsync("q", 10, 8);

        var refused = await ConsumeAsync("q", 5, 1);

        Assert.Equal(new QuotaDecision(false, 8, 5, 0), refused);
    }

    [Fact]
    public async Task Consume_ManyParallelConsumers_StopExactlyAtTheLimit()
    {
        var perCaller = await Concurrently.RunAsync(64, async _ =>
        {
            var mine = new List<QuotaDecision>();
            for (var i = 0; i < 50; i++)
            {
                mine.Add(await ConsumeAsync("q", 1000));
            }
            return mine;
        });
        var decisions = perCaller.SelectMany(d => d).ToList();

        var allowed = decisions.Where(d => d.Allowed).ToList();
        Assert.Equal(1000, allowed.Count);
        // Every allowed consume moved the counter by one from a value no other consume saw.
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), allowed.Select(d => d.Used).Order());
        Assert.All(decisions.Where(d => !d.Allowed), d => Assert.Equal(1000, d.Used));
        Assert.Equal(1000, await UsedAsync("q"));
    }

    [Fact]
    public async Task Consume_ParallelConsumersOfMixedCosts_NeverPassTheLimit()
    {
        var decisions = await Concurrently.RunAsync(64, async t =>
        {
            var mine = new List<(long Cost, QuotaDecision Decision)>();
            for (var i = 0; i < 20; i++)
            {
                var cost = 1 + ((t + i) % 4);
                mine.Add((cost, await ConsumeAsync("q", 700, cost)));
            }
            return mine;
        });

        var counted = decisions.SelectMany(d => d).Where(d => d.Decision.Allowed).Sum(d => d.Cost);
        Assert.InRange(counted, 697, 700); // 1,280 consumes of 1-4 want 3,200
        Assert.Equal(counted, await UsedAsync("q"));
    }

    [Fact]
    public async Task Consume_NextPeriod_IsANewCounter()
    {
        var lastSecond = new DateTimeOffset(2026, 11, 30, 23, 59, 59, TimeSpan.Zero);
        var november = $"tenant:ten_x:{QuotaPeriods.Label(QuotaPeriods.Month, lastSecond)}";
        var december = $"tenant:ten_x:{QuotaPeriods.Label(QuotaPeriods.Month, lastSecond.AddSeconds(1))}";
        await ConsumeAsync(november, 3, 3);

        var refusedInNovember = await ConsumeAsync(november, 3);
        var allowedInDecember = await ConsumeAsync(december, 3);

        Assert.False(refusedInNovember.Allowed);
        Assert.Equal(new QuotaDecision(true, 1, 3, 2), allowedInDecember);
        Assert.Equal(3, await UsedAsync(november));
    }

    [Fact]
    public async Task Counter_ExpiresItsRetentionAfterThePeriodEnds()
    {
        // A whole second of period: a loaded machine must not stall past the end before the first read.
        var periodEnd = Clock.UtcNow.AddSeconds(1);
        await ConsumeAsync("q", 10, 4, periodEnd);

        var expiresAt = await ExpiresAtAsync("q");
        var before = await UsedAsync("q");
        await Clock.WaitAsync(periodEnd + Retention - Clock.UtcNow + TimeSpan.FromMilliseconds(300));
        var after = await UsedAsync("q");

        Assert.NotNull(expiresAt);
        // Redis keeps expiry times in milliseconds.
        Assert.InRange(expiresAt.Value - (periodEnd + Retention), TimeSpan.FromMilliseconds(-1), TimeSpan.Zero);
        Assert.Equal(4, before);
        Assert.Equal(0, after);
        Assert.Null(await ExpiresAtAsync("q"));
    }

    [Fact]
    public async Task Consume_InvalidArguments_Throw()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ConsumeAsync("q", 10, -1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ConsumeAsync("q", -1, 1));
        await Assert.ThrowsAsync<ArgumentException>(() => ConsumeAsync("", 10));
    }
}
