using System.Text;

namespace Keel.Tests.Infrastructure;

/// <summary>A request as <see cref="LoopbackReceiver"/> got it. Header names are case-insensitive; repeated headers are joined with commas.</summary>
public sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}
