using Keel.Keys;
using Keel.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;

namespace Keel.Hosting;

public static class Observability
{
    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddMeter(KeyMetrics.MeterName)
            .AddPrometheusExporter());
        builder.Services.AddHealthChecks()
            .AddCheck<StorageHealth>("storage", tags: ["ready"])
            .AddCheck<RedisHealth>("redis", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapObservability(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") }).ExcludeFromDescription();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    sealed class StorageHealth(KeelDb db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await db.Database.CanConnectAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("storage unreachable");
    }

    sealed class RedisHealth(RedisConnection redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (!redis.IsConfigured)
            {
                return HealthCheckResult.Healthy("not configured");
            }
            try
            {
                await (await redis.GetAsync()).GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (StackExchange.Redis.RedisException e)
            {
                return HealthCheckResult.Unhealthy("redis unreachable", e);
            }
        }
    }
}
