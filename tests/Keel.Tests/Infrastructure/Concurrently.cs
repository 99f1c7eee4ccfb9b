namespace Keel.Tests.Infrastructure;

/// <summary>Many callers at once, for the tests that a store never overshoots.</summary>
internal static class Concurrently
{
    /// <summary>
    /// Runs <paramref name="body"/> for callers 0 to <paramref name="callers"/> - 1, each started on a thread of its own
    /// and all released together. An in-process store completes synchronously: on the pool's few threads the callers
    /// would run one after the other.
    /// </summary>
    public static async Task<T[]> RunAsync<T>(int callers, Func<int, Task<T>> body)
    {
        using var ready = new CountdownEvent(callers);
        using var go = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, callers).Select(i => Task.Factory.StartNew(() =>
        {
            ready.Signal();
            go.Wait();
            return body(i);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToArray();
        while (!ready.IsSet)
        {
            await Task.Delay(1);
        }
        go.Set();
        return await Task.WhenAll(tasks);
    }
}
