namespace Keel.Webhooks;

/// <summary>
/// Whether a request went to an address that is forbidden but opened by <c>Webhooks:AllowedNetworks</c>
/// (see <see cref="WebhookHttp.WatchOpenedNetworks"/>): its answer comes from inside the operator's network.
/// </summary>
internal sealed class OpenedNetworkWatch
{
    public bool Reached { get; set; }
}
