using System.Net;
using System.Net.Sockets;

namespace Keel.Webhooks;

/// <summary>
/// Addresses outside the public internet (the IANA special-purpose registries): a tenant's webhook URL
/// must not reach Keel's own host, its private networks or a cloud metadata service through them.
/// </summary>
internal static class ForbiddenAddresses
{
    // First match names the range, so narrower ranges come before the ranges that contain them.
    static readonly (IPNetwork Range, string Name)[] Ranges =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "this network"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "carrier-grade NAT"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"), // 169.254.169.254 is the cloud metadata service
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "6to4 relay anycast"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"), // with 255.255.255.255, broadcast

        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("::/96"), "IPv4-compatible"), // deprecated; stacks may still route it as IPv4
        (IPNetwork.Parse("::ffff:0:0:0/96"), "IPv4-translated"), // SIIT (RFC 2765): a translator sends it on as IPv4
        // RFC 8215 local-use NAT64: the operator's own translator, which may put the IPv4 address at any of
        // RFC 6052's offsets and reaches whatever their network routes; only they can open it.
        (IPNetwork.Parse("64:ff9b:1::/48"), "local-use NAT64"),
        (IPNetwork.Parse("100::/64"), "discard"),
        (IPNetwork.Parse("2001::/23"), "IETF protocol assignments"), // Teredo, ORCHID, benchmarking
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("fc00::/7"), "unique local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    // IPv6 prefixes that carry an IPv4 address the packet ends up at (a NAT64 gateway, a 6to4 relay):
    // judged by that address, so 64:ff9b::a00:1 is as private as 10.0.0.1.
    static readonly (IPNetwork Range, int Offset, string Name)[] Embedding =
    [
        (IPNetwork.Parse("64:ff9b::/96"), 12, "NAT64"),
        (IPNetwork.Parse("2002::/16"), 2, "6to4"),
    ];

    public static bool IsForbidden(IPAddress address) => Describe(address) is not null;

    /// <summary>The name of the forbidden range holding <paramref name="address"/> (for messages), or null.</summary>
    public static string? Describe(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        // ::ffff:0:0/96 is the IPv4 host itself, written for a dual-stack socket. Mapped addresses never
        // reach IPNetwork.Contains: IPv6 networks compare them as IPv4 (dotnet/runtime#131861).
        if (address.IsIPv4MappedToIPv6)
        {
            return Describe(address.MapToIPv4()) is { } reason ? $"{reason}, IPv4-mapped" : null;
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            foreach (var (range, offset, name) in Embedding)
            {
                if (range.Contains(address))
                {
                    var embedded = new IPAddress(address.GetAddressBytes().AsSpan(offset, 4));
                    return Describe(embedded) is { } reason ? $"{reason}, {name}" : null;
                }
            }
        }
        foreach (var (range, name) in Ranges)
        {
            if (range.Contains(address))
            {
                return name;
            }
        }
        return null;
    }
}
