using System.Text.RegularExpressions;

namespace Keel.Tests.Webhooks;

/// <summary>Finds an IP address in a message: dotted IPv4, or IPv6 (anything with two colons in a hex run).</summary>
internal static partial class IPLiteral
{
    [GeneratedRegex(@"\b\d{1,3}(\.\d{1,3}){3}\b|[0-9a-fA-F]{0,4}:[0-9a-fA-F]{0,4}:[0-9a-fA-F:.]*")]
    public static partial Regex Pattern();
}
