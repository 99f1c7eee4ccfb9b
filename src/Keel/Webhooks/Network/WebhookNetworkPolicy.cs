using System.Net;
using System.Net.Sockets;

namespace Keel.Webhooks;

/// <summary>
/// Where webhooks may go: never to <see cref="ForbiddenAddresses"/> unless <c>Webhooks:AllowedNetworks</c>
/// opens the range, and over https unless <c>Webhooks:AllowHttp</c>.
/// </summary>
/// <remarks>
/// <see cref="CheckUrl"/> gives tenants an early answer, but the guard that counts runs at connect time,
/// on the addresses DNS returned for that connection (<see cref="WebhookHttp"/>): a name that resolved
/// to a public address when the endpoint was saved can resolve to 127.0.0.1 at delivery (DNS rebinding),
/// so judging the name or an earlier lookup proves nothing. Redirects are never followed: the target of a
/// <c>Location</c> header was never checked, and a public endpoint could otherwise bounce a delivery to
/// an internal one; the 3xx is the attempt's answer.
/// </remarks>
internal sealed class WebhookNetworkPolicy(bool allowHttp, IReadOnlyList<IPNetwork> allowedNetworks)
{
    const int MaxUrlLength = 2048;

    public bool IsAllowed(IPAddress address) => RefusalReason(address) is null;

    /// <summary>Checks a URL when an endpoint is created or changed. Host names are not resolved here.</summary>
    public DestinationCheck CheckUrl(string url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return DestinationCheck.Invalid("The URL is required.");
        }
        if (url.Length > MaxUrlLength)
        {
            return DestinationCheck.Invalid($"The URL is longer than {MaxUrlLength} characters.");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return DestinationCheck.Invalid("The URL must be absolute, such as https://example.com/webhooks.");
        }
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowHttp && uri.Scheme == Uri.UriSchemeHttp))
        {
            return DestinationCheck.Invalid(allowHttp
                ? "The URL must use https or http."
                : "The URL must use https (http is accepted only when Webhooks:AllowHttp is true).");
        }
        if (uri.UserInfo.Length > 0)
        {
            return DestinationCheck.Invalid("The URL must not contain a user name or password; send credentials in headers.");
        }
        if (uri.Host.Length == 0)
        {
            return DestinationCheck.Invalid("The URL has no host.");
        }
        if (uri.Fragment.Length > 0)
        {
            return DestinationCheck.Invalid("The URL must not contain a fragment (#...): it is never sent.");
        }
        return CheckHost(uri);
    }

    DestinationCheck CheckHost(Uri uri)
    {
        // Uri already turns 2130706433 and 0x7f.1 into 127.0.0.1; a trailing dot ("127.0.0.1.") keeps a
        // numeric host a DNS name to Uri, yet the resolver would read it as the address.
        var host = uri.IdnHost.TrimEnd('.');
        if (IPAddress.TryParse(host, out var address))
        {
            return RefusalReason(address) is { } reason ? Forbidden(uri.Host, reason) : DestinationCheck.Passed;
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            // RFC 6761: these names are loopback whatever DNS says.
            return IsAllowed(IPAddress.Loopback) || IsAllowed(IPAddress.IPv6Loopback)
                ? DestinationCheck.Passed
                : Forbidden(uri.Host, "loopback");
        }
        return DestinationCheck.Passed;
    }

    static DestinationCheck Forbidden(string host, string reason) => DestinationCheck.Forbidden(
        $"The URL's host {host} is in a range webhooks may not reach ({reason}); "
        + "an operator can open a range with Webhooks:AllowedNetworks.");

    string? RefusalReason(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (ForbiddenAddresses.Describe(address) is not { } reason)
        {
            return null;
        }
        foreach (var network in allowedNetworks)
        {
            if (network.Contains(address))
            {
                return null;
            }
        }
        return reason;
    }

    /// <summary>
    /// Reads <c>Webhooks:AllowedNetworks</c>: CIDR ranges, or single addresses (a /32 or /128). A range
    /// with bits set past its prefix (10.1.2.3/8) is refused rather than widened: it is likely a typo,
    /// and here a typo opens a network.
    /// </summary>
    public static bool TryParseNetworks(IEnumerable<string> cidrs, out List<IPNetwork> networks, out string? error)
    {
        ArgumentNullException.ThrowIfNull(cidrs);
        networks = [];
        foreach (var cidr in cidrs)
        {
            if (ParseNetwork(cidr, out error) is not { } network)
            {
                networks = [];
                return false;
            }
            networks.Add(network);
        }
        error = null;
        return true;
    }

    static IPNetwork? ParseNetwork(string cidr, out string? error)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? cidr : cidr[..slash], out var address))
        {
            error = $"Webhooks:AllowedNetworks: '{cidr}' is not an address or a CIDR range such as 10.0.0.0/8 or fd00::/8.";
            return null;
        }
        var single = address.AddressFamily == AddressFamily.InterNetwork ? "/32" : "/128";
        if (!IPNetwork.TryParse(slash < 0 ? cidr + single : cidr, out var network))
        {
            error = $"Webhooks:AllowedNetworks: '{cidr}' is not a valid CIDR range.";
            return null;
        }
        if (!network.BaseAddress.Equals(address))
        {
            error = $"Webhooks:AllowedNetworks: '{cidr}' has bits set past its prefix; did you mean {network}?";
            return null;
        }
        error = null;
        // An IPv4-mapped range is kept as the IPv4 range, the form addresses are compared in.
        return address.IsIPv4MappedToIPv6 && network.PrefixLength >= 96
            ? new IPNetwork(address.MapToIPv4(), network.PrefixLength - 96)
            : network;
    }
}
