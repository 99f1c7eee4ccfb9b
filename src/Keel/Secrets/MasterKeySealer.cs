using Microsoft.Extensions.Options;

namespace Keel.Secrets;

/// <summary>Seals with AES-256-GCM under the platform master key (<c>Keel:MasterKey</c> or its key file).</summary>
internal sealed class MasterKeySealer(IOptions<SealingOptions> options) : ISecretSealer
{
    readonly Lazy<SecretProtector> _protector = new(() =>
        new SecretProtector(MasterKey.Load(options.Value.MasterKey, options.Value.MasterKeyFile, options.Value.MasterKeySetting)));

    public byte[] Seal(ReadOnlySpan<byte> plaintext, string context) => _protector.Value.Protect(plaintext, context);

    public byte[] Open(ReadOnlySpan<byte> blob, string context) => _protector.Value.Unprotect(blob, context);

    public void EnsureReady() => _ = _protector.Value;
}
