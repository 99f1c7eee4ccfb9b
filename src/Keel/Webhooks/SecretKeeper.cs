using System.Text;
using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

/// <summary>
/// Makes endpoint secrets and opens them for signing, and seals other secrets Keel must keep for a while
/// (a scheduled key rotation's successor). Only ciphertext reaches the database.
/// </summary>
public sealed class SecretKeeper(IOptions<WebhooksOptions> options)
{
    /// <summary>Old secrets that may sign beside the current one; older ones are dropped at rotation.</summary>
    public const int MaxOldSecrets = 10;

    readonly Lazy<SecretProtector> _protector = new(() =>
        new SecretProtector(MasterKey.Load(options.Value.MasterKey, options.Value.MasterKeyFile)));

    /// <summary>Loads (or creates) the master key now, so a bad one stops the process at start.</summary>
    public void EnsureMasterKey() => _ = _protector.Value;

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
            Ciphertext = _protector.Value.Protect(key, endpointId),
            PublicKey = WebhookSecret.PublicKey(key),
        };
        return (row, secret);
    }

    /// <summary>The raw key bytes of a stored secret.</summary>
    public byte[] Open(EndpointSecret row) => _protector.Value.Unprotect(row.Ciphertext, row.EndpointId);

    /// <summary>A stored secret as its owner was shown it: <c>whsec_</c> + base64.</summary>
    public string Reveal(EndpointSecret row) => WebhookSecret.Format(Open(row));

    /// <summary>
    /// Encrypts <paramref name="secret"/> bound to <paramref name="context"/>, which names what it belongs
    /// to and must differ from an endpoint id (those bind endpoint secrets), so no blob opens as another.
    /// </summary>
    public byte[] Seal(string secret, string context) => _protector.Value.Protect(Encoding.UTF8.GetBytes(secret), context);

    /// <summary>The secret given to <see cref="Seal"/> with the same <paramref name="context"/>.</summary>
    public string Unseal(byte[] blob, string context) => Encoding.UTF8.GetString(_protector.Value.Unprotect(blob, context));
}
