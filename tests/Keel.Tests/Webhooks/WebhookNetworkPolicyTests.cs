using System.Net;
using Keel.Webhooks;

namespace Keel.Tests.Webhooks;

public sealed class WebhookNetworkPolicyTests
{
    const string Forbidden = "webhooks.destination_forbidden";
    const string Invalid = "validation.failed";

    static WebhookNetworkPolicy Policy(bool allowHttp = false, params string[] allowed) =>
        new(allowHttp, [.. allowed.Select(IPNetwork.Parse)]);

    [Fact]
    public void CheckUrl_Https_Ok()
    {
        var check = Policy().CheckUrl("https://hooks.example.com/keel?team=7");
        Assert.True(check.Ok);
        Assert.Null(check.Code);
        Assert.Null(check.Message);
    }

    [Fact]
    public void CheckUrl_Http_RefusedNamingTheSetting()
    {
        var check = Policy().CheckUrl("http://hooks.example.com/");
        Assert.False(check.Ok);
        Assert.Equal(Invalid, check.Code);
        Assert.Contains("https", check.Message, StringComparison.Ordinal);
        Assert.Contains("Webhooks:AllowHttp", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckUrl_HttpWithAllowHttp_Ok()
    {
        Assert.True(Policy(allowHttp: true).CheckUrl("http://hooks.example.com/").Ok);
    }

    [Theory]
    [InlineData("ftp://hooks.example.com/")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/hooks")]
    [InlineData("hooks.example.com/keel")]
    [InlineData("")]
    public void CheckUrl_NotAnHttpUrl_Invalid(string url)
    {
        var check = Policy(allowHttp: true).CheckUrl(url);
        Assert.False(check.Ok);
        Assert.Equal(Invalid, check.Code);
    }

    [Theory]
    [InlineData("https://user:secret@hooks.example.com/")]
    [InlineData("https://user@hooks.example.com/")]
    [InlineData("https://:@hooks.example.com/")]
    public void CheckUrl_UserInfo_Invalid(string url)
    {
        var check = Policy().CheckUrl(url);
        Assert.False(check.Ok);
        Assert.Equal(Invalid, check.Code);
    }

    [Theory]
    [InlineData("https://hooks.example.com/#section")]
    [InlineData("https://hooks.example.com/#")]
    public void CheckUrl_Fragment_Invalid(string url)
    {
        Assert.Equal(Invalid, Policy().CheckUrl(url).Code);
    }

    [Fact]
    public void CheckUrl_LongerThan2048_Invalid()
    {
        var prefix = "https://hooks.example.com/";
        Assert.True(Policy().CheckUrl(prefix + new string('a', 2048 - prefix.Length)).Ok);
        Assert.Equal(Invalid, Policy().CheckUrl(prefix + new string('a', 2049 - prefix.Length)).Code);
    }

    [Theory]
    [InlineData("http://10.0.0.1/")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("http://127.0.0.1:8080/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://[::ffff:7f00:1]/")]
    [InlineData("http://[fd00::1]/")]
    [InlineData("http://[fe80::1%25eth0]/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0x7f.1/")]
    [InlineData("http://0177.0.0.1/")]
    [InlineData("http://127.1/")]
    [InlineData("http://0/")]
    [InlineData("http://127.0.0.1./")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/")]
    [InlineData("http://[64:ff9b:1::808:808]/")]
    [InlineData("http://[::ffff:0:7f00:1]/")]
    [InlineData("http://[::7f00:1]/")]
    [InlineData("http://[2002:a9fe:a9fe::1]/")]
    [InlineData("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/")]
    public void CheckUrl_ForbiddenLiteral_DestinationForbidden(string url)
    {
        var check = Policy(allowHttp: true).CheckUrl(url);
        Assert.False(check.Ok);
        Assert.Equal(Forbidden, check.Code);
    }

    [Fact]
    public void CheckUrl_MetadataAddress_MessageNamesTheRange()
    {
        var check = Policy().CheckUrl("https://169.254.169.254/latest/meta-data/");
        Assert.Equal(Forbidden, check.Code);
        Assert.Contains("169.254.169.254 is in a range webhooks may not reach (link-local)", check.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://8.8.8.8/")]
    [InlineData("https://[2606:4700:4700::1111]/")]
    [InlineData("https://[::ffff:8.8.8.8]/")]
    public void CheckUrl_PublicLiteral_Ok(string url)
    {
        Assert.True(Policy().CheckUrl(url).Ok);
    }

    [Theory]
    [InlineData("http://localhost/")]
    [InlineData("http://LOCALHOST:8080/")]
    [InlineData("http://localhost./")]
    [InlineData("http://api.localhost/")]
    public void CheckUrl_Localhost_DestinationForbidden(string url)
    {
        var check = Policy(allowHttp: true).CheckUrl(url);
        Assert.False(check.Ok);
        Assert.Equal(Forbidden, check.Code);
    }

    [Fact]
    public void CheckUrl_LocalhostWithLoopbackAllowed_Ok()
    {
        Assert.True(Policy(allowHttp: true, "127.0.0.0/8").CheckUrl("http://localhost:5000/").Ok);
    }

    [Fact]
    public void CheckUrl_NameNotEndingInLocalhost_NotResolvedHere()
    {
        Assert.True(Policy().CheckUrl("https://notlocalhost/").Ok);
        Assert.True(Policy().CheckUrl("https://localhost.example.com/").Ok);
    }

    [Fact]
    public void CheckUrl_AllowedNetwork_OpensThatRangeOnly()
    {
        var policy = Policy(allowHttp: true, "10.1.0.0/16", "fd00:1::/32");
        Assert.True(policy.CheckUrl("http://10.1.2.3/").Ok);
        Assert.True(policy.CheckUrl("http://[fd00:1::5]/").Ok);
        Assert.Equal(Forbidden, policy.CheckUrl("http://10.2.0.1/").Code);
        Assert.Equal(Forbidden, policy.CheckUrl("http://[fd00:2::5]/").Code);
        Assert.Equal(Forbidden, policy.CheckUrl("http://127.0.0.1/").Code);
    }

    [Fact]
    public void IsAllowed_LocalUseNat64_OnlyWhenItsRangeIsOpened()
    {
        var embedsPublic = IPAddress.Parse("64:ff9b:1::808:808");
        Assert.False(Policy().IsAllowed(embedsPublic));
        Assert.False(Policy(allowHttp: false, "8.8.8.0/24").IsAllowed(embedsPublic));
        Assert.True(Policy(allowHttp: false, "64:ff9b:1::/48").IsAllowed(embedsPublic));
        Assert.True(Policy().IsAllowed(IPAddress.Parse("64:ff9b::808:808")));
    }

    [Fact]
    public void IsAllowed_IPv4MappedAddress_MatchesAllowedIPv4Range()
    {
        var policy = Policy(allowHttp: false, "127.0.0.0/8");
        Assert.True(policy.IsAllowed(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.False(policy.IsAllowed(IPAddress.IPv6Loopback));
    }

    [Fact]
    public void IsAllowed_IPv4MappedAddress_NotOpenedByAnIPv6Range()
    {
        // IPNetwork.Contains compares a mapped address to an IPv6 network as IPv4 (dotnet/runtime#131861),
        // which put ::ffff:0.0.0.0 (this host, on Linux) inside fd00::/8 unless the policy maps it first.
        var policy = Policy(allowHttp: false, "fd00::/8");
        Assert.False(policy.IsAllowed(IPAddress.Parse("::ffff:0.0.0.0")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("::ffff:0.0.0.1")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("fd00::1")));
    }

    [Fact]
    public void IsAllowed_NoAllowedNetworks_OnlyPublicAddresses()
    {
        var policy = Policy();
        Assert.True(policy.IsAllowed(IPAddress.Parse("8.8.8.8")));
        Assert.False(policy.IsAllowed(IPAddress.Loopback));
        Assert.False(policy.IsAllowed(IPAddress.Parse("::ffff:127.0.0.1")));
    }

    [Fact]
    public void TryParseNetworks_RangesAndSingleAddresses_Parsed()
    {
        Assert.True(WebhookNetworkPolicy.TryParseNetworks(
            ["10.0.0.0/8", "fd00::/8", "192.168.1.5", "::1"], out var networks, out var error));
        Assert.Null(error);
        Assert.Equal(["10.0.0.0/8", "fd00::/8", "192.168.1.5/32", "::1/128"], networks.Select(n => n.ToString()));
    }

    [Fact]
    public void TryParseNetworks_IPv4MappedRange_KeptAsIPv4()
    {
        Assert.True(WebhookNetworkPolicy.TryParseNetworks(["::ffff:127.0.0.0/104"], out var networks, out _));
        Assert.Equal("127.0.0.0/8", Assert.Single(networks).ToString());
        Assert.True(new WebhookNetworkPolicy(false, networks).IsAllowed(IPAddress.Loopback));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("fd00::/129")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("not-an-ip")]
    [InlineData("")]
    public void TryParseNetworks_Malformed_ReportsTheEntry(string cidr)
    {
        Assert.False(WebhookNetworkPolicy.TryParseNetworks(["127.0.0.0/8", cidr], out var networks, out var error));
        Assert.Empty(networks);
        Assert.NotNull(error);
        Assert.Contains($"'{cidr}'", error, StringComparison.Ordinal);
        Assert.Contains("Webhooks:AllowedNetworks", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParseNetworks_BitsPastThePrefix_RefusedWithTheLikelyMeaning()
    {
        Assert.False(WebhookNetworkPolicy.TryParseNetworks(["10.1.2.3/8"], out _, out var error));
        Assert.Contains("did you mean 10.0.0.0/8?", error, StringComparison.Ordinal);
    }
}
