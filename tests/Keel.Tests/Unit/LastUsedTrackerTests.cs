using Keel.Keys;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Unit;

public sealed class LastUsedTrackerTests
{
    readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Touch_TwiceWithinAMinute_QueuedOnceWithTheFirstTime()
    {
        var tracker = new LastUsedTracker(_time);
        var first = _time.GetUtcNow().UtcDateTime;

        tracker.Touch("ten_1", "key_a");
        _time.Advance(TimeSpan.FromSeconds(59));
        tracker.Touch("ten_1", "key_a");

        var batch = Assert.Single(tracker.Drain());
        Assert.Equal(("key_a", first), (batch.Key.Id, batch.Value));
    }

    [Fact]
    public void Touch_WithinAMinuteOfTheLastQueuedEvenAfterDrain_NotQueuedAgain()
    {
        var tracker = new LastUsedTracker(_time);
        tracker.Touch("ten_1", "key_a");
        Assert.Single(tracker.Drain());

        _time.Advance(TimeSpan.FromSeconds(30));
        tracker.Touch("ten_1", "key_a");

        Assert.Empty(tracker.Drain());
    }

    [Fact]
    public void Touch_AMinuteAfterTheLastQueued_QueuedAgainWithTheNewTime()
    {
        var tracker = new LastUsedTracker(_time);
        tracker.Touch("ten_1", "key_a");
        Assert.Single(tracker.Drain());

        _time.Advance(TimeSpan.FromMinutes(1));
        var later = _time.GetUtcNow().UtcDateTime;
        tracker.Touch("ten_1", "key_a");

        var batch = Assert.Single(tracker.Drain());
        Assert.Equal(later, batch.Value);
    }

    [Fact]
    public void Touch_AMinuteLaterWithoutDrain_PendingTimeMovesForward()
    {
        var tracker = new LastUsedTracker(_time);
        tracker.Touch("ten_1", "key_a");
        _time.Advance(TimeSpan.FromMinutes(2));
        var later = _time.GetUtcNow().UtcDateTime;
        tracker.Touch("ten_1", "key_a");

        Assert.Equal(later, Assert.Single(tracker.Drain()).Value);
    }

    [Fact]
    public void Touch_DifferentKeys_ThrottledIndependently()
    {
        var tracker = new LastUsedTracker(_time);

        tracker.Touch("ten_1", "key_a");
        tracker.Touch("ten_1", "key_b");
        tracker.Touch("ten_1", "key_a");

        Assert.Equal(["key_a", "key_b"], tracker.Drain().Select(b => b.Key.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Drain_Twice_SecondIsEmpty()
    {
        var tracker = new LastUsedTracker(_time);
        tracker.Touch("ten_1", "key_a");
        tracker.Touch("ten_1", "key_b");

        Assert.Equal(2, tracker.Drain().Count);
        Assert.Empty(tracker.Drain());
    }

    [Fact]
    public void Drain_NothingTouched_Empty()
    {
        Assert.Empty(new LastUsedTracker(_time).Drain());
    }
}
