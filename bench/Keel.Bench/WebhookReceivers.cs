using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Keel.Bench;

/// <summary>
/// Webhook receivers on loopback: one Kestrel server in this process listening on one port per receiver,
/// receiver <c>i</c> at <c>http://127.0.0.1:port_i/hooks/i</c>. Each request is logged as it arrives (before
/// its body is read) with its receiver and its <c>webhook-id</c>, then answered 200 with no body.
/// </summary>
public sealed class WebhookReceivers : IAsyncDisposable
{
    const string PathPrefix = "/hooks/";
    readonly WebApplication _app;
    ConcurrentQueue<Arrival> _log = new();
    long _bytes;

    WebhookReceivers(WebApplication app, Uri[] urls)
    {
        _app = app;
        Urls = urls;
    }

    /// <summary>Receiver i's URL, as an endpoint is registered with.</summary>
    public IReadOnlyList<Uri> Urls { get; }

    /// <summary>
    /// The settings of a Keel that delivers to these receivers: role <c>all</c> (dispatcher running), the given storage,
    /// plain http to loopback allowed, and a master key of this run only (no key file is written anywhere).
    /// </summary>
    public static Dictionary<string, string?> KeelSettings(string provider, string connectionString) => new()
    {
        ["Keel:Role"] = "all",
        ["Storage:Provider"] = provider,
        ["Storage:ConnectionString"] = connectionString,
        ["Webhooks:AllowHttp"] = "true",
        ["Webhooks:AllowedNetworks:0"] = "127.0.0.0/8",
        ["Keel:MasterKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    };

    /// <summary>Requests logged since the last <see cref="TakeLog"/>.</summary>
    public int Count => Volatile.Read(ref _log).Count;

    public static async Task<WebhookReceivers> StartAsync(int receivers, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            for (var i = 0; i < receivers; i++)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
            }
        });
        var app = builder.Build();
        WebhookReceivers? self = null;
        app.Run(context => self!.HandleAsync(context));
        await app.StartAsync(ct);
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).Order().ToArray();
        self = new WebhookReceivers(app, [.. ports.Select((port, i) => new Uri($"http://127.0.0.1:{port}{PathPrefix}{i}"))]);
        return self;
    }

    /// <summary>Returns what arrived since the last call (and the request bytes), and starts a new log.</summary>
    public (Arrival[] Arrivals, long Bytes) TakeLog()
    {
        var log = Interlocked.Exchange(ref _log, new ConcurrentQueue<Arrival>());
        return ([.. log], Interlocked.Exchange(ref _bytes, 0));
    }

    async Task HandleAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var path = context.Request.Path.Value;
        var receiver = path is not null && path.StartsWith(PathPrefix, StringComparison.Ordinal)
            && int.TryParse(path.AsSpan(PathPrefix.Length), out var r) && r >= 0 && r < Urls.Count ? r : -1;
        Volatile.Read(ref _log).Enqueue(new Arrival(arrived, receiver, context.Request.Headers["webhook-id"].ToString()));
        Interlocked.Add(ref _bytes, context.Request.ContentLength ?? 0);
        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        context.Response.StatusCode = receiver < 0 ? 404 : 200;
    }

    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await _app.StopAsync(stop.Token);
        }
        await _app.DisposeAsync();
    }
}

/// <summary>One request at a receiver: when it arrived (<see cref="Stopwatch"/> timestamp), which receiver (-1: unknown path), its <c>webhook-id</c>.</summary>
public readonly record struct Arrival(long Timestamp, int Receiver, string WebhookId);
