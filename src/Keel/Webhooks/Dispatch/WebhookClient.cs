namespace Keel.Webhooks;

/// <summary>The one HttpClient of the dispatcher, behind the SSRF guard; timeouts are per attempt.</summary>
internal sealed class WebhookClient(WebhookNetworkPolicy policy) : IDisposable
{
    public HttpClient Http { get; } = new(WebhookHttp.CreateHandler(policy))
    {
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestHeaders = { { "User-Agent", "Keel-Webhooks/1" } },
    };

    public void Dispose() => Http.Dispose();
}
