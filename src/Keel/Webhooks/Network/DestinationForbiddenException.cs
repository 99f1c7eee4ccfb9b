using System.Net;

namespace Keel.Webhooks;

/// <summary>
/// Every address a webhook's host resolved to is one <see cref="WebhookNetworkPolicy"/> refuses, so no
/// connection was made. HttpClient wraps it; <see cref="WebhookHttp.IsDestinationForbidden"/> finds it.
/// </summary>
/// <remarks>
/// The message, which a tenant reads in its attempts, names the kinds of address but never the addresses:
/// otherwise any name a tenant chose would tell it what Keel's internal DNS answers.
/// </remarks>
public sealed class DestinationForbiddenException(string host, IReadOnlyList<IPAddress> refusedAddresses)
    : Exception($"Webhook host {host} resolves only to addresses webhooks may not reach ("
        + string.Join("; ", refusedAddresses.Select(ForbiddenAddresses.Describe).OfType<string>().Distinct()) + ").")
{
    internal const string ErrorCode = "webhooks.destination_forbidden";

    public string Host { get; } = host;

    /// <summary>What DNS answered, for Keel's own code; never shown to the tenant.</summary>
    public IReadOnlyList<IPAddress> RefusedAddresses { get; } = refusedAddresses;

    public string Code => ErrorCode;
}
