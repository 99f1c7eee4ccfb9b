using System.Net;
using Keel.Webhooks;

namespace Keel.Tests.Webhooks;

public sealed class ForbiddenAddressesTests
{
    [Theory]
    [InlineData("0.0.0.0", "this network")]
    [InlineData("0.255.255.255", "this network")]
    [InlineData("10.0.0.0", "private")]
    [InlineData("10.255.255.255", "private")]
    [InlineData("100.64.0.0", "carrier-grade NAT")]
    [InlineData("100.127.255.255", "carrier-grade NAT")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("169.254.0.1", "link-local")]
    [InlineData("172.16.0.0", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.0.0.8", "IETF protocol assignments")]
    [InlineData("192.0.2.1", "documentation")]
    [InlineData("192.88.99.1", "6to4 relay anycast")]
    [InlineData("192.168.0.1", "private")]
    [InlineData("192.168.255.255", "private")]
    [InlineData("198.18.0.0", "benchmarking")]
    [InlineData("198.19.255.255", "benchmarking")]
    [InlineData("198.51.100.7", "documentation")]
    [InlineData("203.0.113.255", "documentation")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.255", "multicast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback")]
    [InlineData("::a00:1", "IPv4-compatible")]
    [InlineData("::808:808", "IPv4-compatible")]
    [InlineData("::ffff:0:a00:1", "IPv4-translated")]
    [InlineData("::ffff:0:7f00:1", "IPv4-translated")]
    [InlineData("::ffff:0:808:808", "IPv4-translated")]
    [InlineData("::ffff:0:0:0", "IPv4-translated")]
    [InlineData("64:ff9b:1::a00:1", "local-use NAT64")]
    [InlineData("64:ff9b:1::808:808", "local-use NAT64")]
    [InlineData("64:ff9b:1:a00:1::", "local-use NAT64")]
    [InlineData("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "local-use NAT64")]
    [InlineData("100::1", "discard")]
    [InlineData("100::ffff:ffff:ffff:ffff", "discard")]
    [InlineData("2001::1", "IETF protocol assignments")]
    [InlineData("2001:1ff:ffff::1", "IETF protocol assignments")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "IETF protocol assignments")] // Teredo, server 65.54.227.120
    [InlineData("2001:0:a00:1:8000:63bf:3fff:fdd2", "IETF protocol assignments")] // Teredo, server 10.0.0.1
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("2001:db8:ffff:ffff::1", "documentation")]
    [InlineData("fc00::1", "unique local")]
    [InlineData("fd00::1", "unique local")]
    [InlineData("fdff:ffff::1", "unique local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("febf:ffff::1", "link-local")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("feff::1", "site-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("ff0e::1", "multicast")]
    public void IsForbidden_SpecialPurposeAddress_IsRefusedAndNamed(string address, string range)
    {
        var ip = IPAddress.Parse(address);
        Assert.True(ForbiddenAddresses.IsForbidden(ip));
        Assert.Equal(range, ForbiddenAddresses.Describe(ip));
    }

    [Fact]
    public void IsForbidden_MetadataAddress_IsRefused()
    {
        Assert.True(ForbiddenAddresses.IsForbidden(IPAddress.Parse("169.254.169.254")));
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1", "loopback, IPv4-mapped")]
    [InlineData("::ffff:10.0.0.1", "private, IPv4-mapped")]
    [InlineData("::ffff:169.254.169.254", "link-local, IPv4-mapped")]
    [InlineData("::ffff:0.0.0.0", "this network, IPv4-mapped")]
    [InlineData("64:ff9b::7f00:1", "loopback, NAT64")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local, NAT64")]
    [InlineData("64:ff9b::10.0.0.1", "private, NAT64")]
    [InlineData("64:ff9b::c0a8:101", "private, NAT64")]
    [InlineData("2002:7f00:1::1", "loopback, 6to4")]
    [InlineData("2002:c0a8:101::1", "private, 6to4")]
    [InlineData("2002:a9fe:a9fe::1", "link-local, 6to4")]
    [InlineData("2002:a00:1:ffff::1", "private, 6to4")]
    public void IsForbidden_ForbiddenIPv4InsideIPv6_IsRefusedByTheEmbeddedAddress(string address, string range)
    {
        var ip = IPAddress.Parse(address);
        Assert.True(ForbiddenAddresses.IsForbidden(ip));
        Assert.Equal(range, ForbiddenAddresses.Describe(ip));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("128.0.0.0")]
    [InlineData("169.253.255.255")]
    [InlineData("169.255.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("192.0.1.0")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.0")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("2001:200::1")]
    [InlineData("2003::1")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("64:ff9b::1.1.1.1")]
    [InlineData("2002:808:808::1")]
    [InlineData("2002:808:808:ffff::7f00:1")] // 6to4 embeds bits 16-48; the tail is the host's own
    public void IsForbidden_PublicAddress_Passes(string address)
    {
        var ip = IPAddress.Parse(address);
        Assert.False(ForbiddenAddresses.IsForbidden(ip));
        Assert.Null(ForbiddenAddresses.Describe(ip));
    }
}
