using System.Net;

namespace Keel.Webhooks;

/// <summary>
/// Every address a webhook's host resolved to is one <see cref="WebhookNetworkPolicy"/> refuses, so no
/// connection was made. HttpClient wraps it; <see cref="WebhookHttp.IsDestinationForbidden"/> finds it.
/// </summary>
public sealed class DestinationForbiddenException(string host, IReadOnlyList<IPAddress> refusedAddresses)
    : Exception($"Webhook host {host} resolved only to addresses webhooks may not reach: "
        + string.Join(", ", refusedAddresses.Select(a => $"{a} ({ForbiddenAddresses.Describe(a)})")) + ".")
{
    internal const string ErrorCode = "webhooks.destination_forbidden";

    public string Host { get; } = host;
    public IReadOnlyList<IPAddress> RefusedAddresses { get; } = refusedAddresses;

    public string Code => ErrorCode;
}
