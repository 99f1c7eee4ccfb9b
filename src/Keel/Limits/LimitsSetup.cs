namespace Keel.Limits;

public static class LimitsSetup
{
    public static IHostApplicationBuilder AddLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TenantLimits>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLimitsApi(this IEndpointRouteBuilder app)
    {
        app.MapRatePlansApi();
        return app;
    }
}
