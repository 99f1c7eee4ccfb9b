using System.Security.Cryptography;
using Keel.Secrets;
using Keel.Storage;

namespace Keel.Webhooks;

/// <summary>Makes endpoint secrets and opens them for signing; only their sealed form reaches the database.</summary>
public sealed class SecretKeeper(ISecretSealer sealer)
{
    /// <summary>Old secrets that may sign beside the current one; older ones are dropped at rotation.</summary>
    public const int MaxOldSecrets = 10;

    public (EndpointSecret Row, string Secret) Issue(string tenantId, string endpointId, DateTime now)
    {
        var secret = WebhookSecret.Generate();
        if (!WebhookSecret.TryParse(secret, out var key))
        {
            throw new InvalidOperationException("A generated webhook secret did not parse.");
        }
        var row = new EndpointSecret
        {
            Id = Ids.New("whs"),
            TenantId = tenantId,
            EndpointId = endpointId,
            CreatedAt = now,
            Ciphertext = sealer.Seal(key, endpointId), // the endpoint id is the context: no other kind of secret uses a bare id
            PublicKey = WebhookSecret.PublicKey(key),
        };
        return (row, secret);
    }

    /// <summary>The raw key bytes of a stored secret.</summary>
    public byte[] Open(EndpointSecret row) => sealer.Open(row.Ciphertext, row.EndpointId);

    /// <summary>
    /// The raw keys of <paramref name="rows"/>, in order; false when any does not decrypt (sealed under
    /// another master key, or damaged): a delivery is never signed with fewer secrets than its endpoint has.
    /// </summary>
    public bool TryOpen(IReadOnlyList<EndpointSecret> rows, out byte[][] keys)
    {
        keys = new byte[rows.Count][];
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                keys[i] = Open(rows[i]);
            }
            return true;
        }
        catch (CryptographicException)
        {
            keys = [];
            return false;
        }
    }

    /// <summary>A stored secret as its owner was shown it: <c>whsec_</c> + base64; null when it does not decrypt.</summary>
    public string? TryReveal(EndpointSecret row) => TryOpen([row], out var keys) ? WebhookSecret.Format(keys[0]) : null;
}
