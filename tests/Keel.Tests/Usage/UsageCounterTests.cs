using Keel.Usage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Usage;

/// <summary>The node's in-memory counters: capped, so a database outage cannot exhaust the node's memory.</summary>
public sealed class UsageCounterTests
{
    [Fact]
    public void PastMaxCounters_NewCountersAreDroppedAndReported_UntilFlushedMinutesFreeThem()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)); // the start of a minute
        var counter = new UsageCounter(time, Options.Create(new UsageOptions { MaxCounters = 3 }));

        counter.Verified("ten_a", "key_1", "VALID", time.GetUtcNow());
        counter.Verified("ten_a", "key_1", "VALID", time.GetUtcNow()); // the same counter
        counter.Verified("ten_a", "key_2", "REVOKED", time.GetUtcNow()); // a key counter and a failure counter: 3 held
        counter.Verified("ten_a", "key_3", "VALID", time.GetUtcNow()); // a fourth: not counted
        counter.NotFound("ten_a", "acme_live_" + new string('Z', 33), time.GetUtcNow()); // nor this one

        Assert.Equal(2, counter.TakeDropped());
        Assert.Equal(0, counter.TakeDropped()); // reported once
        var batch = counter.Collect();
        Assert.Equal(3, batch.Keys.Sum(k => k.Total));
        Assert.Single(batch.Failures);

        // The minute ends and its counts are written: its counters are let go, and counting resumes.
        time.Advance(TimeSpan.FromSeconds(70));
        counter.Committed(batch);
        counter.Verified("ten_a", "key_3", "VALID", time.GetUtcNow());
        Assert.Equal(0, counter.TakeDropped());
        Assert.Equal(1, Assert.Single(counter.Collect().Keys).Total);
    }

    [Fact]
    public void UnflushedCounters_AreKept_SoAFailedFlushLosesNothingBelowTheCap()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var counter = new UsageCounter(time, Options.Create(new UsageOptions { MaxCounters = 3 }));
        counter.Verified("ten_a", "key_1", "VALID", time.GetUtcNow());
        var unwritten = counter.Collect();

        time.Advance(TimeSpan.FromMinutes(5)); // the flush failed: Committed is never called
        counter.Verified("ten_a", "key_1", "VALID", time.GetUtcNow());

        Assert.Equal(2, counter.Collect().Keys.Sum(k => k.Total));
        Assert.Single(unwritten.Keys);
        Assert.Equal(0, counter.TakeDropped());
    }
}
