using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Webhooks;

/// <summary>
/// One signing secret of an endpoint, encrypted with the master key (the endpoint id is the associated
/// data, so a row copied to another endpoint does not decrypt). The current secret has no expiry; a
/// rotated-out one signs beside it until <see cref="ExpiresAt"/>.
/// </summary>
public sealed class EndpointSecret
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string EndpointId { get; init; }
    public required byte[] Ciphertext { get; init; }
    /// <summary>The Ed25519 public key derived from the secret (<c>whpk_</c>), for <c>v1a</c> receivers; not secret.</summary>
    public required string PublicKey { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? ExpiresAt { get; set; }
}

internal sealed class EndpointSecretConfiguration : IEntityTypeConfiguration<EndpointSecret>
{
    public void Configure(EntityTypeBuilder<EndpointSecret> s)
    {
        s.ToTable("webhook_endpoint_secrets");
        s.HasKey(x => new { x.TenantId, x.Id });
        s.Property(x => x.Id).HasMaxLength(40);
        s.Property(x => x.TenantId).HasMaxLength(40);
        s.Property(x => x.EndpointId).HasMaxLength(40);
        s.Property(x => x.PublicKey).HasMaxLength(60);
        s.HasIndex(x => new { x.TenantId, x.EndpointId });
        // The dispatcher loads the secrets of a batch's endpoints across tenants.
        s.HasIndex(x => x.EndpointId);
        s.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(x => new { x.TenantId, x.EndpointId }).OnDelete(DeleteBehavior.Cascade);
    }
}
