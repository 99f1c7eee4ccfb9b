using Keel.Events;
using Keel.Keys;
using Keel.Tenants;
using Keel.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Keel.Storage;

/// <summary>
/// The one DbContext. It is the unit of work and the repository: features query it directly and
/// start every tenant-owned query from the tenant (see <see cref="TenantDb"/>). Each provider has a
/// subclass only so that its migrations live apart.
/// </summary>
public abstract class KeelDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<ApiKey> Keys => Set<ApiKey>();
    public DbSet<PlatformSecret> PlatformSecrets => Set<PlatformSecret>();
    public DbSet<Limits.RatePlan> RatePlans => Set<Limits.RatePlan>();
    public DbSet<Limits.QuotaUsage> QuotaUsage => Set<Limits.QuotaUsage>();
    public DbSet<WebhookEndpoint> Endpoints => Set<WebhookEndpoint>();
    public DbSet<EndpointSecret> EndpointSecrets => Set<EndpointSecret>();
    public DbSet<EventType> EventTypes => Set<EventType>();
    public DbSet<OutboxEvent> Events => Set<OutboxEvent>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<DeliveryAttempt> Attempts => Set<DeliveryAttempt>();
    public DbSet<Usage.KeyUsageCount> KeyUsage => Set<Usage.KeyUsageCount>();
    public DbSet<Usage.FailureCount> Failures => Set<Usage.FailureCount>();
    public DbSet<Usage.RollupMark> RollupMarks => Set<Usage.RollupMark>();
    public DbSet<Usage.Anomalies.Anomaly> Anomalies => Set<Usage.Anomalies.Anomaly>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new TenantConfiguration());
        modelBuilder.ApplyConfiguration(new ApiKeyConfiguration());
        modelBuilder.ApplyConfiguration(new PlatformSecretConfiguration());
        modelBuilder.ApplyConfiguration(new Limits.RatePlanConfiguration());
        modelBuilder.ApplyConfiguration(new Limits.QuotaUsageConfiguration());
        modelBuilder.ApplyConfiguration(new WebhookEndpointConfiguration());
        modelBuilder.ApplyConfiguration(new EndpointSecretConfiguration());
        modelBuilder.ApplyConfiguration(new EventTypeConfiguration());
        modelBuilder.ApplyConfiguration(new OutboxEventConfiguration());
        modelBuilder.ApplyConfiguration(new DeliveryConfiguration());
        modelBuilder.ApplyConfiguration(new DeliveryAttemptConfiguration());
        modelBuilder.ApplyConfiguration(new Usage.KeyUsageCountConfiguration());
        modelBuilder.ApplyConfiguration(new Usage.FailureCountConfiguration());
        modelBuilder.ApplyConfiguration(new Usage.RollupMarkConfiguration());
        modelBuilder.ApplyConfiguration(new Usage.Anomalies.AnomalyConfiguration());
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every time is UTC. SQLite forgets the kind on the way back; this puts it back.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
    }

    sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

public sealed class SqliteKeelDb(DbContextOptions<SqliteKeelDb> options) : KeelDb(options);

public sealed class PostgresKeelDb(DbContextOptions<PostgresKeelDb> options) : KeelDb(options);
