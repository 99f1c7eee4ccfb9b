using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Keel.Http;

/// <summary>
/// Kestrel answers a request it cannot parse (a broken request line or header, a request line past
/// <c>MaxRequestLineSize</c>, headers past <c>MaxRequestHeadersTotalSize</c>) by itself, before any
/// middleware runs, with an empty body, and has no hook to change that answer. So each connection's output
/// passes through a <see cref="KestrelProblemWriter"/>, which knows whether a request is in the application:
/// what Kestrel writes while none is, and closes the connection with, is such an answer, and gets its problem.
/// </summary>
internal static class KestrelProblems
{
    public static void UseKestrelProblems(this ListenOptions listen)
    {
        var limits = listen.KestrelServerOptions.Limits;
        listen.Use(next => connection =>
        {
            var requests = new RequestsInApp();
            connection.Features.Set(requests);
            var transport = connection.Transport;
            connection.Transport = new Duplex(transport.Input, new KestrelProblemWriter(transport.Output, requests, limits, connection.ConnectionId));
            return next(connection);
        });
    }

    /// <summary>Counts the request in the application until its answer is complete (Kestrel then wrote all of it).</summary>
    public static IApplicationBuilder UseKestrelProblems(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // Kestrel's request features fall back to its connection's, where the connection middleware put this.
        if (context.Features.Get<RequestsInApp>() is { } requests)
        {
            requests.Enter();
            context.Response.OnCompleted(static state =>
            {
                ((RequestsInApp)state).Leave();
                return Task.CompletedTask;
            }, requests);
        }
        return next(context);
    });

    internal sealed class RequestsInApp
    {
        int _count;

        public bool Any => Volatile.Read(ref _count) > 0;
        public void Enter() => Interlocked.Increment(ref _count);
        public void Leave() => Interlocked.Decrement(ref _count);
    }

    sealed class Duplex(System.IO.Pipelines.PipeReader input, System.IO.Pipelines.PipeWriter output) : System.IO.Pipelines.IDuplexPipe
    {
        public System.IO.Pipelines.PipeReader Input => input;
        public System.IO.Pipelines.PipeWriter Output => output;
    }
}
