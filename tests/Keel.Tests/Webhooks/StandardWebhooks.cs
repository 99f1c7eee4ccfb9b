using System.Security.Cryptography;
using System.Text;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Webhooks;

/// <summary>
/// Standard Webhooks verification written from the spec, independent of Keel's signer: the signed
/// content is <c>{webhook-id}.{webhook-timestamp}.{body}</c>, the key the base64 after <c>whsec_</c>.
/// </summary>
internal static class StandardWebhooks
{
    public static string[] Entries(ReceivedRequest request, string version) =>
        [.. request.Headers["webhook-signature"].Split(' ').Where(e => e.StartsWith(version + ",", StringComparison.Ordinal)).Select(e => e[(version.Length + 1)..])];

    public static bool HasValidV1(ReceivedRequest request, string secret) => HasValid(request, secret, "v1", HMACSHA256.HashData);

    public static bool HasValidV2(ReceivedRequest request, string secret) => HasValid(request, secret, "v2", HMACSHA512.HashData);

    static bool HasValid(ReceivedRequest request, string secret, string version, Func<byte[], byte[], byte[]> mac)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var content = Encoding.UTF8.GetBytes($"{request.Headers["webhook-id"]}.{request.Headers["webhook-timestamp"]}.{request.BodyText}");
        var expected = Convert.ToBase64String(mac(key, content));
        return Entries(request, version).Contains(expected);
    }
}
