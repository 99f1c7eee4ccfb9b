using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keel.Tests.Infrastructure;

/// <summary>
/// A tenant's webhook endpoint for tests: Kestrel on 127.0.0.1 with an ephemeral port. It records every
/// request before answering it with <see cref="Respond"/> (200 with no body unless replaced), so a
/// client holding the answer can already see the request in <see cref="Requests"/>. <see cref="Delay"/> and
/// <see cref="Gate"/> keep requests in flight, to see what a sender that dies meanwhile leaves behind.
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    int _held;
    int _cutOff;
    int _unanswered;

    LoopbackReceiver(WebApplication app) => _app = app;

    /// <summary>Decides each answer; may be replaced at any time, for example once <see cref="BaseUri"/> is known.</summary>
    public Func<ReceivedRequest, ReceiverResponse> Respond { get; set; } = _ => new ReceiverResponse(200);

    /// <summary>How long the receiver works on a request before it records it, so that attempts stay in flight for a while.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>
    /// Requests wait for this before they are answered: a test sets an unfinished task to hold attempts in
    /// flight (while it kills their sender, say), and a finished one to let them go.
    /// </summary>
    public Task Gate { get; set; } = Task.CompletedTask;

    /// <summary>
    /// Whether requests wait at the <see cref="Gate"/> after they are recorded (handled, only the answer
    /// held back) rather than before (not handled yet).
    /// </summary>
    public bool RecordBeforeGate { get; set; }

    /// <summary>Requests waiting at the <see cref="Gate"/> now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Requests whose sender went away before they were recorded: never handled, so not in <see cref="Requests"/>.</summary>
    public int CutOff => Volatile.Read(ref _cutOff);

    /// <summary>Requests recorded whose sender went away before the answer: it never learned they were handled.</summary>
    public int Unanswered => Volatile.Read(ref _unanswered);

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri BaseUri => new(_app.Urls.Single() + "/");

    public int Port => BaseUri.Port;

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var receiver = new LoopbackReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = new ReceivedRequest(
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray());
        var recordBeforeGate = RecordBeforeGate;
        if (!await WaitAsync(Delay, atGate: !recordBeforeGate, recorded: false, context.RequestAborted))
        {
            return;
        }
        _requests.Enqueue(request);
        if (recordBeforeGate && !await WaitAsync(TimeSpan.Zero, atGate: true, recorded: true, context.RequestAborted))
        {
            return;
        }

        var response = Respond(request);
        context.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
        if (response.Body is not null)
        {
            await context.Response.WriteAsync(response.Body, context.RequestAborted);
        }
    }

    /// <summary>Waits <paramref name="delay"/>, then at the gate if asked; false (and counted) when the sender goes away meanwhile.</summary>
    async Task<bool> WaitAsync(TimeSpan delay, bool atGate, bool recorded, CancellationToken aborted)
    {
        if (delay <= TimeSpan.Zero && (!atGate || Gate.IsCompleted))
        {
            return true;
        }
        var held = false;
        try
        {
            await Task.Delay(delay, aborted);
            if (atGate && Gate is { IsCompleted: false } gate)
            {
                Interlocked.Increment(ref _held);
                held = true;
                await gate.WaitAsync(aborted);
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            // Counted before Held drops, so a test that saw Held reach 0 reads the final count.
            Interlocked.Increment(ref recorded ? ref _unanswered : ref _cutOff);
            return false;
        }
        finally
        {
            if (held)
            {
                Interlocked.Decrement(ref _held);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
