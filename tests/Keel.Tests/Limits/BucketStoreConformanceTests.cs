using Keel.Limits;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Limits;

/// <summary>
/// What every <see cref="IBucketStore"/> must do, run against each store by a subclass. On a fake clock the expected
/// durations are exact; on a real one (Redis) each bound widens by the time the test measured passing, never more.
/// Rates like 1e-6/s make refill negligible where a test counts tokens exactly.
/// </summary>
public abstract class BucketStoreConformanceTests
{
    const double NoRefill = 1e-6;

    private protected abstract IBucketStore Store { get; }

    private protected abstract TestClock Clock { get; }

    /// <summary>How long until the store drops the bucket, or null when it holds none under <paramref name="key"/>.</summary>
    private protected abstract Task<TimeSpan?> ExpiresInAsync(string key);

    Task<BucketDecision> TakeAsync(string key, BucketSpec spec, long cost = 1) => Store.TakeAsync(key, spec, cost, CancellationToken.None).AsTask();

    Task<BucketDecision?> TakeAsync(string key, BucketSpec spec, long cost, BucketGroup group) =>
        Store.TakeAsync(key, spec, cost, group, CancellationToken.None).AsTask();

    static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    /// <summary>Exactly <paramref name="expected"/> on an exact clock; otherwise between it less <paramref name="slack"/> and it.</summary>
    void AssertUpTo(TimeSpan expected, TimeSpan slack, TimeSpan actual)
    {
        if (Clock.IsExact)
        {
            Assert.Equal(expected, actual);
        }
        else
        {
            Assert.InRange(actual, expected - slack, expected);
        }
    }

    [Fact]
    public async Task Take_FreshBucket_AllowsTheBurstThenRefuses()
    {
        var spec = new BucketSpec(NoRefill, 5);
        for (var i = 4; i >= 0; i--)
        {
            var allowed = await TakeAsync("k", spec);
            Assert.Equal((true, 5L, (long)i, TimeSpan.Zero), (allowed.Allowed, allowed.Limit, allowed.Remaining, allowed.RetryAfter));
        }

        var refused = await TakeAsync("k", spec);

        Assert.Equal((false, 5L, 0L), (refused.Allowed, refused.Limit, refused.Remaining));
        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        Assert.False(refused.Never);
    }

    [Fact]
    public async Task Take_Refused_RetryAfterIsTheTimeUntilTheCostIsBack()
    {
        var spec = new BucketSpec(10, 3);
        var start = Clock.Elapsed;
        await TakeAsync("k", spec, 3);

        var one = await TakeAsync("k", spec, 1);
        var two = await TakeAsync("k", spec, 2);
        var took = Clock.Elapsed - start;

        Assert.False(one.Allowed);
        Assert.False(two.Allowed);
        AssertUpTo(Ms(100), took, one.RetryAfter);
        AssertUpTo(Ms(200), took, two.RetryAfter);
    }

    [Fact]
    public async Task Take_AfterWaitingRetryAfter_IsAllowed()
    {
        var spec = new BucketSpec(10, 2);
        await TakeAsync("k", spec, 2);
        var refused = await TakeAsync("k", spec, 2);
        Assert.False(refused.Allowed);

        await Clock.WaitAsync(refused.RetryAfter);
        var retried = await TakeAsync("k", spec, 2);

        Assert.True(retried.Allowed);
        Assert.Equal(0, retried.Remaining);
    }

    [Fact]
    public async Task Take_AfterAWait_RefillsAtTheRate()
    {
        var spec = new BucketSpec(10, 10);
        var start = Clock.Elapsed;
        await TakeAsync("k", spec, 10);

        // On a real clock a little more than 300 ms: Redis measures the wait with its own clock (TIME), which can see
        // a hair less than the test's timer, and 2.999 tokens are 2.
        await Clock.WaitAsync(Ms(Clock.IsExact ? 300 : 320));
        var report = await TakeAsync("k", spec, 0);
        var took = Clock.Elapsed - start;

        // 10 tokens a second: at least 3 after 300 ms; at most what the time measured can have added.
        Assert.InRange(report.Remaining, 3, Math.Min(10, (long)Math.Floor(took.TotalSeconds * 10)));
        if (Clock.IsExact)
        {
            Assert.Equal(3, report.Remaining);
        }
    }

    [Fact]
    public async Task Take_AfterALongIdle_RefillStopsAtTheBurst()
    {
        var spec = new BucketSpec(20, 3);
        await TakeAsync("k", spec, 3);

        await Clock.WaitAsync(Ms(400)); // eight tokens' worth
        var report = await TakeAsync("k", spec, 0);

        Assert.Equal(3, report.Remaining);
        Assert.Equal(TimeSpan.Zero, report.ResetAfter);
    }

    [Fact]
    public async Task Take_CostAboveOne_TakesThatMany()
    {
        var spec = new BucketSpec(NoRefill, 10);

        var three = await TakeAsync("k", spec, 3);
        var seven = await TakeAsync("k", spec, 7);
        var one = await TakeAsync("k", spec, 1);

        Assert.Equal((true, 7L), (three.Allowed, three.Remaining));
        Assert.Equal((true, 0L), (seven.Allowed, seven.Remaining));
        Assert.False(one.Allowed);
    }

    [Fact]
    public async Task Take_CostAboveWhatRemains_RefusedAndTakesNothing()
    {
        var spec = new BucketSpec(NoRefill, 10);
        await TakeAsync("k", spec, 8);

        var three = await TakeAsync("k", spec, 3);
        var two = await TakeAsync("k", spec, 2);

        Assert.Equal((false, 2L), (three.Allowed, three.Remaining));
        Assert.Equal((true, 0L), (two.Allowed, two.Remaining));
    }

    [Fact]
    public async Task Take_CostAboveTheBurst_RefusedForeverAndChangesNothing()
    {
        var spec = new BucketSpec(NoRefill, 5);

        var onFull = await TakeAsync("k", spec, 6);
        await TakeAsync("k", spec, 2);
        var onPartial = await TakeAsync("k", spec, 6);
        var rest = await TakeAsync("k", spec, 3);

        Assert.Equal((false, 5L, TimeSpan.MaxValue, true), (onFull.Allowed, onFull.Remaining, onFull.RetryAfter, onFull.Never));
        Assert.Equal((false, 3L, TimeSpan.MaxValue), (onPartial.Allowed, onPartial.Remaining, onPartial.RetryAfter));
        Assert.Equal((true, 0L), (rest.Allowed, rest.Remaining));
    }

    [Fact]
    public async Task Take_CostZero_ReportsWithoutTaking()
    {
        var spec = new BucketSpec(NoRefill, 5);

        var fresh = await TakeAsync("k", spec, 0);
        await TakeAsync("k", spec, 2);
        var reports = new List<BucketDecision>();
        for (var i = 0; i < 3; i++)
        {
            reports.Add(await TakeAsync("k", spec, 0));
        }
        var rest = await TakeAsync("k", spec, 3);
        var onEmpty = await TakeAsync("k", spec, 0);

        Assert.Equal((true, 5L, TimeSpan.Zero, TimeSpan.Zero), (fresh.Allowed, fresh.Remaining, fresh.RetryAfter, fresh.ResetAfter));
        Assert.All(reports, r => Assert.Equal((true, 3L), (r.Allowed, r.Remaining)));
        Assert.Equal((true, 0L), (rest.Allowed, rest.Remaining));
        Assert.Equal((true, 0L, TimeSpan.Zero), (onEmpty.Allowed, onEmpty.Remaining, onEmpty.RetryAfter));
    }

    [Fact]
    public async Task Take_ResetAfter_IsTheTimeUntilFull()
    {
        var spec = new BucketSpec(10, 10);
        var start = Clock.Elapsed;

        var four = await TakeAsync("k", spec, 4);
        var report = await TakeAsync("k", spec, 0);
        var took = Clock.Elapsed - start;

        AssertUpTo(Ms(400), TimeSpan.Zero, four.ResetAfter);
        AssertUpTo(Ms(400), took, report.ResetAfter);
    }

    [Fact]
    public async Task Take_ManyParallelCallers_AllowExactlyTheBurst()
    {
        var spec = new BucketSpec(NoRefill, 500);

        var decisions = await Concurrently.RunAsync(64, async _ =>
        {
            var mine = new List<BucketDecision>();
            for (var i = 0; i < 50; i++)
            {
                mine.Add(await TakeAsync("k", spec));
            }
            return mine;
        });

        var allowed = decisions.SelectMany(d => d).Where(d => d.Allowed).ToList();
        Assert.Equal(500, allowed.Count);
        // Each allowed take saw the bucket one lower than the one before it: no two takes saw the same tokens.
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), allowed.Select(d => d.Remaining).Order());
        Assert.Equal(0, (await TakeAsync("k", spec, 0)).Remaining);
    }

    [Fact]
    public async Task Take_ParallelCallersOfMixedCosts_NeverTakeMoreThanTheBurst()
    {
        var spec = new BucketSpec(NoRefill, 300);

        var decisions = await Concurrently.RunAsync(64, async t =>
        {
            var mine = new List<(long Cost, BucketDecision Decision)>();
            for (var i = 0; i < 20; i++)
            {
                var cost = 1 + ((t + i) % 3);
                mine.Add((cost, await TakeAsync("k", spec, cost)));
            }
            return mine;
        });

        var taken = decisions.SelectMany(d => d).Where(d => d.Decision.Allowed).Sum(d => d.Cost);
        Assert.InRange(taken, 298, 300); // 1,280 takes of 1-3 want 2,560: the bucket runs dry to within one take of 3
        Assert.Equal(300 - taken, (await TakeAsync("k", spec, 0)).Remaining);
    }

    [Fact]
    public async Task Take_DistinctKeys_AreIndependentBuckets()
    {
        var spec = new BucketSpec(NoRefill, 3);
        await TakeAsync("tenant:a", spec, 3);

        var other = await TakeAsync("tenant:b", spec, 1);

        Assert.Equal((true, 2L), (other.Allowed, other.Remaining));
        Assert.False((await TakeAsync("tenant:a", spec, 1)).Allowed);
    }

    [Fact]
    public async Task Take_BurstLowered_RemainingCappedAtTheNewBurst()
    {
        await TakeAsync("k", new BucketSpec(NoRefill, 10), 1);

        var report = await TakeAsync("k", new BucketSpec(NoRefill, 5), 0);

        Assert.Equal((5L, 5L), (report.Limit, report.Remaining));
    }

    [Fact]
    public async Task IdleBucket_IsDroppedOnceItWouldBeFull()
    {
        var spec = new BucketSpec(10, 10);
        var start = Clock.Elapsed;
        await TakeAsync("k", spec, 5);

        var expiresIn = await ExpiresInAsync("k");
        var took = Clock.Elapsed - start;
        await Clock.WaitAsync(Ms(100));
        var stillThere = await ExpiresInAsync("k");
        await Clock.WaitAsync(Ms(600));
        var gone = await ExpiresInAsync("k");

        Assert.NotNull(expiresIn);
        // Redis counts a key's time to live in whole milliseconds.
        AssertUpTo(Ms(500), took + Ms(1), expiresIn.Value);
        Assert.NotNull(stillThere);
        Assert.Null(gone);
        Assert.Equal(9, (await TakeAsync("k", spec, 1)).Remaining);
    }

    [Fact]
    public async Task IdleBucket_NeverTaken_LeavesNothingBehind()
    {
        var spec = new BucketSpec(10, 5);

        await TakeAsync("reported", spec, 0);
        await TakeAsync("too-costly", spec, 6);

        Assert.Null(await ExpiresInAsync("reported"));
        Assert.Null(await ExpiresInAsync("too-costly"));
    }

    [Fact]
    public async Task Take_NewKeyPastItsGroupsCap_IsRefusedWhileHeldKeysAndOtherGroupsWork()
    {
        var spec = new BucketSpec(NoRefill, 10);
        var group = new BucketGroup("tenant-a", 2);
        Assert.NotNull(await TakeAsync("a1", spec, 1, group));
        Assert.NotNull(await TakeAsync("a2", spec, 1, group));

        var refused = await TakeAsync("a3", spec, 1, group);

        Assert.Null(refused);
        Assert.Null(await ExpiresInAsync("a3"));
        Assert.Equal(8, (await TakeAsync("a1", spec, 1, group))!.Value.Remaining);
        Assert.NotNull(await TakeAsync("b1", spec, 1, new BucketGroup("tenant-b", 2)));
        // A report, or a cost no bucket can hold, adds no bucket, so it is answered at the cap.
        Assert.Equal(10, (await TakeAsync("a3", spec, 0, group))!.Value.Remaining);
        Assert.False((await TakeAsync("a3", spec, 11, group))!.Value.Allowed);
    }

    [Fact]
    public async Task FullBucketsOfAGroup_GiveTheirPlacesBack()
    {
        var spec = new BucketSpec(10, 10);
        var group = new BucketGroup("tenant-a", 2);
        await TakeAsync("a1", spec, 1, group);
        await TakeAsync("a2", spec, 1, group);
        Assert.Null(await TakeAsync("a3", spec, 1, group));

        await Clock.WaitAsync(Ms(200)); // both full again after 0.1 s

        Assert.NotNull(await TakeAsync("a3", spec, 1, group));
        Assert.NotNull(await TakeAsync("a4", spec, 1, group));
        Assert.Null(await TakeAsync("a5", spec, 1, group));
    }

    [Fact]
    public async Task Take_InvalidArguments_Throw()
    {
        var spec = new BucketSpec(10, 5);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => TakeAsync("k", spec, -1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => TakeAsync("k", new BucketSpec(0, 5)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => TakeAsync("k", new BucketSpec(double.NaN, 5)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => TakeAsync("k", new BucketSpec(double.PositiveInfinity, 5)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => TakeAsync("k", new BucketSpec(10, 0)));
        await Assert.ThrowsAsync<ArgumentException>(() => TakeAsync("", spec));
    }
}
