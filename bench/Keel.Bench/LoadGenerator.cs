using System.Diagnostics;

namespace Keel.Bench;

/// <summary>
/// The two ways of loading a server. Closed loop: N workers each send the next request when the last
/// one is answered, which finds the throughput. Open loop: requests leave on a fixed schedule whatever
/// the answers do, and latency is measured from the scheduled time, so a stall is charged to every
/// request it delayed (no coordinated omission). Both stop at a deadline and at a request cap.
/// </summary>
public static class LoadGenerator
{
    const long MaxRequestsPerRun = 50_000_000;
    const int MaxInFlight = 10_000;
    static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A client for loopback load: enough pooled connections for any closed loop and for the bursts of an
    /// open loop, no proxy, no cookies, a timeout per request. Refuses any address but loopback.
    /// </summary>
    public static HttpClient CreateClient(Uri baseAddress)
    {
        if (!baseAddress.IsLoopback)
        {
            throw new ArgumentException($"load goes to loopback only, not {baseAddress}", nameof(baseAddress));
        }
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public static Task<RunResult> ClosedLoopAsync(
        HttpClient client, BenchRequest request, int workers, TimeSpan duration, CancellationToken ct) =>
        ClosedLoopAsync(request.Name, () => request.SendAsync(client, ct), workers, duration, ct);

    /// <summary>The closed loop for any request: <paramref name="send"/> returns null when the answer was right, else what was wrong.</summary>
    public static async Task<RunResult> ClosedLoopAsync(
        string name, Func<Task<string?>> send, int workers, TimeSpan duration, CancellationToken ct)
    {
        var latency = new LatencyHistogram();
        var errors = new ErrorTally();
        var perWorker = MaxRequestsPerRun / workers;
        var gc = GcStats.Now();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            tasks[w] = Task.Run(async () =>
            {
                for (long i = 0; i < perWorker && !ct.IsCancellationRequested; i++)
                {
                    var sent = Stopwatch.GetTimestamp();
                    if (sent >= deadline)
                    {
                        break;
                    }
                    var error = await send();
                    latency.RecordTicks(sent, Stopwatch.GetTimestamp());
                    errors.Add(error);
                }
            }, ct);
        }
        await Task.WhenAll(tasks);
        return new RunResult(name, latency.Count, errors.Count, Stopwatch.GetElapsedTime(start), latency, errors.First, GcStats.Now() - gc);
    }

    public static Task<RunResult> OpenLoopAsync(
        HttpClient client, BenchRequest request, int rate, TimeSpan duration, CancellationToken ct) =>
        OpenLoopAsync(request.Name, (_, _) => request.SendAsync(client, ct), rate, duration, ct);

    /// <summary>
    /// The open loop for any request: <paramref name="send"/> gets the request's number and its scheduled
    /// <see cref="Stopwatch"/> timestamp, and returns null when the answer was right, else what was wrong.
    /// </summary>
    public static async Task<RunResult> OpenLoopAsync(
        string name, Func<long, long, Task<string?>> send, int rate, TimeSpan duration, CancellationToken ct)
    {
        var total = Math.Min(MaxRequestsPerRun, (long)(rate * duration.TotalSeconds));
        var interval = (double)Stopwatch.Frequency / rate;
        var latency = new LatencyHistogram();
        var lag = new LatencyHistogram();
        var fromSend = new LatencyHistogram();
        var errors = new ErrorTally();
        long inFlight = 1; // the dispatcher's own share, released when it has sent everything
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        void Release()
        {
            if (Interlocked.Decrement(ref inFlight) == 0)
            {
                done.TrySetResult();
            }
        }

        async Task SendAsync(long index, long scheduled)
        {
            try
            {
                var sent = Stopwatch.GetTimestamp();
                lag.RecordTicks(scheduled, sent);
                var error = await send(index, scheduled);
                var end = Stopwatch.GetTimestamp();
                latency.RecordTicks(scheduled, end);
                fromSend.RecordTicks(sent, end);
                errors.Add(error);
            }
            finally
            {
                Release();
            }
        }

        long attempted = 0;
        var gc = GcStats.Now();
        var start = Stopwatch.GetTimestamp();
        var dispatcher = new Thread(() =>
        {
            for (; attempted < total && !ct.IsCancellationRequested; attempted++)
            {
                var scheduled = start + (long)(attempted * interval);
                PreciseSleep.Until(scheduled);
                if (Interlocked.Read(ref inFlight) > MaxInFlight)
                {
                    errors.Add($"more than {MaxInFlight} requests in flight; request not sent");
                    continue;
                }
                Interlocked.Increment(ref inFlight);
                _ = SendAsync(attempted, scheduled);
            }
            Release();
        })
        { IsBackground = true, Name = "open-loop dispatcher" };
        dispatcher.Start();
        await done.Task.WaitAsync(duration + DrainTimeout, ct);
        return new RunResult(name, attempted, errors.Count, Stopwatch.GetElapsedTime(start), latency, errors.First, GcStats.Now() - gc, lag, fromSend);
    }

    /// <summary>
    /// A closed loop over a fixed number of requests: <paramref name="workers"/> workers take the next request
    /// number (0 to <paramref name="total"/> - 1) and send it with <paramref name="send"/> when their last one was
    /// answered, until every number is taken or <paramref name="limit"/> has passed.
    /// </summary>
    public static async Task<RunResult> CountedLoopAsync(
        string name, Func<long, Task<string?>> send, int workers, long total, TimeSpan limit, CancellationToken ct)
    {
        total = Math.Min(total, MaxRequestsPerRun);
        var latency = new LatencyHistogram();
        var errors = new ErrorTally();
        long next = -1;
        var gc = GcStats.Now();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            tasks[w] = Task.Run(async () =>
            {
                while (!ct.IsCancellationRequested && Interlocked.Increment(ref next) is var i && i < total)
                {
                    var sent = Stopwatch.GetTimestamp();
                    if (sent >= deadline)
                    {
                        errors.Add("not sent: the run's time limit passed");
                        continue;
                    }
                    var error = await send(i);
                    latency.RecordTicks(sent, Stopwatch.GetTimestamp());
                    errors.Add(error);
                }
            }, ct);
        }
        await Task.WhenAll(tasks);
        return new RunResult(name, Math.Min(total, Interlocked.Read(ref next)), errors.Count, Stopwatch.GetElapsedTime(start), latency, errors.First, GcStats.Now() - gc);
    }

    /// <summary>
    /// One connection, one request at a time: each round sends every one of <paramref name="requests"/> once,
    /// starting one further along each round (a, b, c; b, c, a; ...), so drift in the machine's speed hits
    /// them alike. Latency is from send to the last byte of the checked answer; a result's elapsed time is
    /// the sum of its own requests' latencies, and its GC figures are the whole run's, shared by all.
    /// </summary>
    public static async Task<RunResult[]> RoundRobinAsync(HttpClient client, IReadOnlyList<BenchRequest> requests, int rounds, CancellationToken ct)
    {
        var n = requests.Count;
        rounds = (int)Math.Min(rounds, MaxRequestsPerRun / n);
        var latency = requests.Select(_ => new LatencyHistogram()).ToArray();
        var errors = requests.Select(_ => new ErrorTally()).ToArray();
        var busy = new long[n];
        var gc = GcStats.Now();
        for (var round = 0; round < rounds && !ct.IsCancellationRequested; round++)
        {
            for (var j = 0; j < n; j++)
            {
                var k = (round + j) % n;
                var sent = Stopwatch.GetTimestamp();
                var error = await requests[k].SendAsync(client, ct);
                var end = Stopwatch.GetTimestamp();
                latency[k].RecordTicks(sent, end);
                busy[k] += end - sent;
                errors[k].Add(error);
            }
        }
        var runGc = GcStats.Now() - gc;
        return [.. requests.Select((r, k) => new RunResult(r.Name, latency[k].Count, errors[k].Count,
            Stopwatch.GetElapsedTime(0, busy[k]), latency[k], errors[k].First, runGc))];
    }

    sealed class ErrorTally
    {
        long _count;
        string? _first;

        public long Count => Interlocked.Read(ref _count);

        public string? First => Volatile.Read(ref _first);

        public void Add(string? error)
        {
            if (error is not null)
            {
                Interlocked.Increment(ref _count);
                Interlocked.CompareExchange(ref _first, error, null);
            }
        }
    }
}
