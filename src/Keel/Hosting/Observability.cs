using Keel.Http;
using Keel.Keys;
using Keel.Storage;
using Keel.Webhooks;
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
            .AddMeter(WebhookMetrics.MeterName)
            .AddMeter(Limits.LimitsMetrics.MeterName)
            .AddPrometheusExporter());
        builder.Services.AddHealthChecks()
            .AddCheck<StorageHealth>("storage", tags: ["ready"])
            .AddCheck<RedisHealth>("redis", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapObservability(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false, ResponseWriter = WriteHealth }).ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteHealth }).ExcludeFromDescription();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>
    /// Healthy: 200 <c>{"status": "healthy", "checks": {...}}</c>. Not ready: 503 problem+json
    /// <c>server.unavailable</c> naming what failed, like every other non-2xx answer.
    /// </summary>
    static Task WriteHealth(HttpContext context, HealthReport report)
    {
        var checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString().ToLowerInvariant()
            + (e.Value.Description is { } d ? ": " + d : ""));
        if (report.Status == HealthStatus.Unhealthy)
        {
            var failed = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key);
            return Problems.WriteAsync(context, ErrorCodes.Unavailable, $"Not ready: {string.Join(", ", failed)} unavailable.",
                extensions: [new("checks", checks)]);
        }
        return context.Response.WriteAsJsonAsync(new { status = report.Status.ToString().ToLowerInvariant(), checks });
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
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("redis unreachable", e);
            }
        }
    }
}
