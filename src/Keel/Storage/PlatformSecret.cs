using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Storage;

/// <summary>A platform-wide secret stored hashed, such as the generated admin token.</summary>
public sealed class PlatformSecret
{
    public const string AdminToken = "admin_token";

    public required string Name { get; init; }
    public required string Hash { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class PlatformSecretConfiguration : IEntityTypeConfiguration<PlatformSecret>
{
    public void Configure(EntityTypeBuilder<PlatformSecret> secret)
    {
        secret.HasKey(s => s.Name);
        secret.Property(s => s.Name).HasMaxLength(64);
        secret.Property(s => s.Hash).HasMaxLength(64);
    }
}
