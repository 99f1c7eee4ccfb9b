using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keel.Tests.Webhooks;

/// <summary>
/// A tenant's webhook endpoint for tests: Kestrel on 127.0.0.1 with an ephemeral port. It records every
/// request before answering it with <see cref="Respond"/> (200 with no body unless replaced), so a
/// client holding the answer can already see the request in <see cref="Requests"/>.
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentQueue<ReceivedRequest> _requests = new();

    LoopbackReceiver(WebApplication app) => _app = app;

    /// <summary>Decides each answer; may be replaced at any time, for example once <see cref="BaseUri"/> is known.</summary>
    public Func<ReceivedRequest, ReceiverResponse> Respond { get; set; } = _ => new ReceiverResponse(200);

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
        _requests.Enqueue(request);

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

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
