using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Infrastructure;

/// <summary>
/// Time as a conformance test sees it, so the same test runs against a store on a fake clock (exact, instant) and one
/// on a real clock (Redis's own: the test waits, and bounds what it expects by what it measured).
/// </summary>
public abstract class TestClock
{
    /// <summary>Time since the clock was made.</summary>
    public abstract TimeSpan Elapsed { get; }

    public abstract DateTimeOffset UtcNow { get; }

    /// <summary>Lets at least <paramref name="time"/> pass.</summary>
    public abstract Task WaitAsync(TimeSpan time);

    /// <summary>True when time passes only through <see cref="WaitAsync"/>, so a test may expect exact durations.</summary>
    public abstract bool IsExact { get; }
}

public sealed class FakeClock(FakeTimeProvider provider) : TestClock
{
    readonly long _start = provider.GetTimestamp();

    public override TimeSpan Elapsed => provider.GetElapsedTime(_start);

    public override DateTimeOffset UtcNow => provider.GetUtcNow();

    public override bool IsExact => true;

    public override Task WaitAsync(TimeSpan time)
    {
        provider.Advance(time);
        return Task.CompletedTask;
    }
}

public sealed class RealClock : TestClock
{
    readonly Stopwatch _watch = Stopwatch.StartNew();

    public override TimeSpan Elapsed => _watch.Elapsed;

    public override DateTimeOffset UtcNow => DateTimeOffset.UtcNow;

    public override bool IsExact => false;

    // Task.Delay runs on a coarse clock (a few milliseconds on Linux) and may end early: wait until the
    // Stopwatch agrees, plus a millisecond for what a server's own clock read in between.
    public override async Task WaitAsync(TimeSpan time)
    {
        var end = _watch.Elapsed + time + TimeSpan.FromMilliseconds(1);
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling((end - _watch.Elapsed).TotalMilliseconds))));
        }
        while (_watch.Elapsed < end);
    }
}
