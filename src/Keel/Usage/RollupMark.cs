using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Usage;

/// <summary>Rows of <see cref="Granularity"/> are complete before <see cref="RolledTo"/> (Unix seconds).</summary>
public sealed class RollupMark
{
    public int Granularity { get; init; }
    public long RolledTo { get; set; }
}

internal sealed class RollupMarkConfiguration : IEntityTypeConfiguration<RollupMark>
{
    public void Configure(EntityTypeBuilder<RollupMark> mark)
    {
        mark.ToTable("usage_rollup_marks");
        mark.HasKey(m => m.Granularity);
        mark.Property(m => m.Granularity).ValueGeneratedNever();
    }
}
