using Keel.Tenants;

namespace Keel.Limits;

public static class LimitsSetup
{
    public static IHostApplicationBuilder AddLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TenantLimits>();
        builder.Services.AddSingleton<ITenantLifecycle>(sp => sp.GetRequiredService<TenantLimits>());
        builder.Services.AddSingleton<LimitsMetrics>();
        builder.Services.AddSingleton<QuotaLedger>();
        // Every node flushes its own in-memory quota counters, whatever its role.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QuotaLedger>());
        builder.Services.AddSingleton<Limiter>();
        builder.Services.AddSingleton<QuotaEvents>();
        builder.Services.AddSingleton<PeriodQuotas>();
        builder.Services.AddSingleton<KeyCredits>();
        return builder;
    }

    /// <summary>Limits tenants' calls by their plans; goes after authentication, before the endpoints.</summary>
    public static IApplicationBuilder UseTenantRateLimits(this IApplicationBuilder app) => app.UseMiddleware<TenantRateLimiting>();

    public static IEndpointRouteBuilder MapLimitsApi(this IEndpointRouteBuilder app)
    {
        app.MapRatePlansApi();
        app.MapRateLimitsApi();
        return app;
    }
}
