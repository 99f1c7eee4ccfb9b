using System.Diagnostics;
using Keel.Limits;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Limits;

/// <summary>What only the in-process store has: the sweep, and the real clock's tick rate.</summary>
public sealed class MemoryBucketStoreTests
{
    static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);

    readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Sweep_RemovesTheBucketsThatAreFullAndKeepsTheOthers()
    {
        using var store = new MemoryBucketStore(_time, SweepEvery);
        var spec = new BucketSpec(10, 20);
        await store.TakeAsync("soon-full", spec, 5, default); // full in 0.5 s
        await store.TakeAsync("later-full", spec, 15, default); // full in 1.5 s

        _time.Advance(SweepEvery);
        var afterOne = store.Count;
        _time.Advance(SweepEvery);

        Assert.Equal(1, afterOne);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task Sweep_ManyDistinctKeys_AllGoOnceFull()
    {
        using var store = new MemoryBucketStore(_time, SweepEvery);
        var spec = new BucketSpec(1000, 1);
        for (var i = 0; i < 100_000; i++)
        {
            await store.TakeAsync($"key-{i}", spec, 1, default);
        }
        var held = store.Count;

        _time.Advance(SweepEvery);

        Assert.Equal(100_000, held);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task Sweep_RacingTakesOnNewKeys_NeverResetsABucket()
    {
        // Frozen time: a new bucket is full (so sweepable) until its first take lands. A take that waited for the lock
        // of a bucket the sweep removed must go to the new bucket, or that take is lost and the key gets a second burst.
        using var store = new MemoryBucketStore(_time, Timeout.InfiniteTimeSpan);
        var spec = new BucketSpec(1e-6, 2);
        var deadline = Stopwatch.StartNew();
        var sweeps = 0;
        // Threads of their own: the takes complete synchronously and would hold the pool's few threads to the end.
        var sweeper = Task.Factory.StartNew(() =>
        {
            while (deadline.ElapsedMilliseconds < 400)
            {
                store.Sweep();
                sweeps++;
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // Every taker walks the same fresh keys, so each new bucket is raced by the takers and the sweep together.
        var takers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            var allowed = new Dictionary<int, int>();
            for (var k = 0; deadline.ElapsedMilliseconds < 400; k++)
            {
                for (var i = 0; i < 2; i++)
                {
                    var taken = store.TakeAsync($"k{k}", spec, 1, default).AsTask().Result.Allowed ? 1 : 0;
                    allowed[k] = allowed.GetValueOrDefault(k) + taken;
                }
            }
            return allowed;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
        await sweeper;

        var perKey = takers.SelectMany(t => t).GroupBy(e => e.Key, e => e.Value).ToDictionary(g => g.Key, g => g.Sum());
        Assert.True(sweeps > 100, $"only {sweeps} sweeps ran beside the takers");
        // A key every taker reached got exactly its burst; one only some reached may have had fewer asks than that.
        var reachedByAll = takers.Min(t => t.Count);
        Assert.All(perKey.Where(e => e.Key < reachedByAll), e => Assert.Equal(2, e.Value));
        Assert.All(perKey, e => Assert.InRange(e.Value, 0, 2));
    }

    [Fact]
    public async Task Take_ThreadsHammeringOneKeyOnTheSystemClock_AllowExactlyTheBurst()
    {
        // The conformance suite's fake clock takes a lock on every read, which spaces the callers out; the system clock
        // does not, so here the takes really overlap.
        using var store = new MemoryBucketStore(TimeProvider.System);
        var spec = new BucketSpec(1e-9, 200_000);

        var allowed = await Concurrently.RunAsync(4, async _ =>
        {
            var n = 0;
            for (var i = 0; i < 100_000; i++)
            {
                n += (await store.TakeAsync("k", spec, 1, default)).Allowed ? 1 : 0;
            }
            return n;
        });

        Assert.Equal(200_000, allowed.Sum());
    }

    [Fact]
    public async Task Take_OnTheSystemClock_RefillsAtTheRateInRealTime()
    {
        // The system clock ticks at Stopwatch.Frequency (10^9 on Linux), not at TimeSpan's 10^7 like the fake one.
        using var store = new MemoryBucketStore(TimeProvider.System);
        var spec = new BucketSpec(10, 10);
        var watch = Stopwatch.StartNew();
        await store.TakeAsync("k", spec, 10, default);

        await Task.Delay(250);
        var report = await store.TakeAsync("k", spec, 0, default);

        Assert.InRange(report.Remaining, 2, Math.Min(10, (long)(watch.Elapsed.TotalSeconds * 10)));
    }

    [Fact]
    public void Take_NewKeyPastItsGroupsCap_IsRefusedWhileHeldKeysAndOtherGroupsWork()
    {
        using var store = new MemoryBucketStore(_time, SweepEvery);
        var spec = new BucketSpec(1, 10);
        var group = new BucketGroup("tenant-a", 2);

        Assert.NotNull(store.Take("a1", spec, 1, group));
        Assert.NotNull(store.Take("a2", spec, 1, group));
        var refused = store.Take("a3", spec, 1, group);

        Assert.Null(refused);
        Assert.Equal(8, store.Take("a1", spec, 1, group)!.Value.Remaining);
        Assert.NotNull(store.Take("b1", spec, 1, new BucketGroup("tenant-b", 2)));
        // A report, or a cost no bucket can hold, adds no bucket, so it is answered at the cap.
        Assert.Equal(10, store.Take("a3", spec, 0, group)!.Value.Remaining);
        Assert.False(store.Take("a3", spec, 11, group)!.Value.Allowed);
        Assert.Equal(2, store.CountOf("tenant-a"));
        Assert.Equal(3, store.Count);
    }

    [Fact]
    public void Sweep_FullBucketsOfAGroup_GiveTheirPlacesBack()
    {
        using var store = new MemoryBucketStore(_time, SweepEvery);
        var spec = new BucketSpec(10, 10);
        var group = new BucketGroup("tenant-a", 2);
        store.Take("a1", spec, 1, group);
        store.Take("a2", spec, 1, group);
        Assert.Null(store.Take("a3", spec, 1, group));

        _time.Advance(SweepEvery); // both full again after 0.1 s

        Assert.Equal(0, store.CountOf("tenant-a"));
        Assert.NotNull(store.Take("a3", spec, 1, group));
        Assert.Equal(1, store.CountOf("tenant-a"));
    }

    [Fact]
    public async Task Take_ThreadsRacingNewKeysOfOneGroup_NeverPassTheCap()
    {
        using var store = new MemoryBucketStore(TimeProvider.System);
        var spec = new BucketSpec(1e-3, 10);
        var group = new BucketGroup("tenant-a", 1000);

        // Every thread walks the same keys, so most new keys are raced by several threads at once.
        var added = await Concurrently.RunAsync(8, _ => Task.FromResult(
            Enumerable.Range(0, 5000).Where(i => store.Take($"k{i}", spec, 1, group) is not null).ToHashSet()));

        Assert.Equal(1000, store.CountOf("tenant-a"));
        Assert.Equal(1000, store.Count);
        Assert.Equal(1000, added.SelectMany(a => a).Distinct().Count());
    }

    [Fact]
    public async Task Dispose_StopsTheSweep()
    {
        var store = new MemoryBucketStore(_time, SweepEvery);
        await store.TakeAsync("k", new BucketSpec(10, 10), 1, default);

        store.Dispose();
        _time.Advance(SweepEvery * 3);

        Assert.Equal(1, store.Count);
    }
}
