using Keel.Limits;

namespace Keel.Tests.Limits;

/// <summary>The token bucket's arithmetic, on a clock of 1,000 ticks a second.</summary>
public sealed class TokenBucketTests
{
    const long Hz = 1000;

    [Fact]
    public void Take_FromAFullBucket_SubtractsTheCostAndKeepsTheStamp()
    {
        var spec = new BucketSpec(10, 5);

        var (next, decision) = TokenBucket.Full(spec, 7).Take(spec, 2, 7, Hz);

        Assert.Equal(new TokenBucket(3, 7), next);
        Assert.Equal(new BucketDecision(true, 5, 3, TimeSpan.Zero, TimeSpan.FromMilliseconds(200)), decision);
    }

    [Fact]
    public void Take_AfterSomeTicks_RefillsInProportionAndMovesTheStamp()
    {
        var spec = new BucketSpec(10, 5);

        var (next, decision) = new TokenBucket(0, 0).Take(spec, 2, 250, Hz);

        Assert.Equal(new TokenBucket(0.5, 250), next);
        Assert.Equal((true, 0L), (decision.Allowed, decision.Remaining));
        Assert.Equal(TimeSpan.FromMilliseconds(450), decision.ResetAfter);
    }

    [Fact]
    public void Take_AfterALongIdle_RefillStopsAtTheBurst()
    {
        var spec = new BucketSpec(10, 5);

        var (next, _) = new TokenBucket(0, 0).Take(spec, 1, 60 * Hz, Hz);

        Assert.Equal(new TokenBucket(4, 60 * Hz), next);
    }

    [Fact]
    public void Take_ClockStepsBack_NoRefillAndTheStampStays()
    {
        var spec = new BucketSpec(10, 5);

        var (back, _) = new TokenBucket(1, 1000).Take(spec, 1, 400, Hz);
        var (_, again) = back.Take(spec, 1, 1000, Hz);

        Assert.Equal(new TokenBucket(0, 1000), back);
        Assert.False(again.Allowed); // the 600 ticks the clock went back are not credited on its way forward
    }

    [Fact]
    public void Take_Refused_LeavesTheStateAndRoundsRetryAfterUpToTheMicrosecond()
    {
        var spec = new BucketSpec(3, 5);
        var empty = new TokenBucket(0, 0);

        var (next, decision) = empty.Take(spec, 1, 0, Hz);

        Assert.Equal(empty, next);
        Assert.False(decision.Allowed);
        Assert.Equal(TimeSpan.FromTicks(333_334 * TimeSpan.TicksPerMicrosecond), decision.RetryAfter); // 1/3 s = 333,333.3 us
    }

    [Fact]
    public void Take_CostAboveTheBurst_NeverAndUnchanged()
    {
        var spec = new BucketSpec(10, 5);
        var full = TokenBucket.Full(spec, 0);

        var (next, decision) = full.Take(spec, 6, 0, Hz);

        Assert.Equal(full, next);
        Assert.Equal((false, 5L, TimeSpan.MaxValue, true), (decision.Allowed, decision.Remaining, decision.RetryAfter, decision.Never));
    }

    [Fact]
    public void Take_CostZero_LeavesTheStateEvenAsTimePasses()
    {
        var spec = new BucketSpec(10, 5);
        var bucket = new TokenBucket(1, 0);

        var (next, decision) = bucket.Take(spec, 0, 200, Hz);

        Assert.Equal(bucket, next);
        Assert.Equal((true, 3L), (decision.Allowed, decision.Remaining));
    }

    [Fact]
    public void FullAt_IsTheStampPlusTheTicksToRefillWhatIsMissing()
    {
        var spec = new BucketSpec(10, 10);

        Assert.Equal(100 + 500, new TokenBucket(5, 100).FullAt(spec, Hz));
        Assert.Equal(100, new TokenBucket(10, 100).FullAt(spec, Hz));
    }

    [Fact]
    public void FullAtAndResetAfter_ForANegligibleRate_SaturateRatherThanOverflow()
    {
        var spec = new BucketSpec(1e-12, 1_000_000);

        var (next, decision) = TokenBucket.Full(spec, 5).Take(spec, 1_000_000, 5, 1_000_000_000);

        Assert.Equal(long.MaxValue, next.FullAt(spec, 1_000_000_000));
        Assert.Equal(TimeSpan.MaxValue, decision.ResetAfter);
    }
}
