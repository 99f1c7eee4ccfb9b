using Keel.Limits;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Limits;

public sealed class MemoryQuotaStoreTests
{
    readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 22, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Sweep_DropsLastPeriodsCountersAfterTheRetentionOnly()
    {
        using var store = new MemoryQuotaStore(_time, TimeSpan.FromHours(1), TimeSpan.FromMinutes(10));
        var november = QuotaPeriods.Current("month", _time.GetUtcNow()).End;
        var december = QuotaPeriods.Current("month", november).End;
        await store.ConsumeAsync("t:2026-11", 100, 1, november, default);
        await store.ConsumeAsync("t:2026-12", 100, 1, december, default);

        _time.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(50)); // 00:50 on 1 December: November in retention
        var inRetention = store.Count;
        _time.Advance(TimeSpan.FromMinutes(20)); // 01:10

        Assert.Equal(2, inRetention);
        Assert.Equal(1, store.Count);
        Assert.Equal(1, await store.UsedAsync("t:2026-12", december, default));
    }

    [Fact]
    public async Task Consume_ThreadsHammeringOneCounterOnTheSystemClock_StopExactlyAtTheLimit()
    {
        // The conformance suite's fake clock takes a lock on every read, which spaces the callers out; the system clock
        // does not, so here the consumes really overlap.
        using var store = new MemoryQuotaStore(TimeProvider.System);
        var periodEnd = DateTimeOffset.UtcNow.AddDays(1);

        var allowed = await Concurrently.RunAsync(4, async _ =>
        {
            var n = 0;
            for (var i = 0; i < 100_000; i++)
            {
                n += (await store.ConsumeAsync("q", 200_000, 1, periodEnd, default)).Allowed ? 1 : 0;
            }
            return n;
        });

        Assert.Equal(200_000, allowed.Sum());
        Assert.Equal(200_000, await store.UsedAsync("q", periodEnd, default));
    }
}
