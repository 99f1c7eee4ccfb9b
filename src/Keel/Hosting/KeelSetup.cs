using Keel.Events;
using Keel.Http;
using Keel.Jobs;
using Keel.Keys;
using Keel.Limits;
using Keel.Secrets;
using Keel.Storage;
using Keel.Tenants;
using Keel.Usage;
using Keel.Usage.Anomalies;
using Keel.Webhooks;
using Microsoft.AspNetCore.Authorization;

namespace Keel.Hosting;

/// <summary>The composition of the service: one <c>AddX</c>/<c>MapXApi</c> pair per feature.</summary>
public static class KeelSetup
{
    public static WebApplicationBuilder AddKeel(this WebApplicationBuilder builder)
    {
        // The embedded default listens on loopback only; --urls or ASPNETCORE_URLS choose otherwise.
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:5080");
        }
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            KestrelLimits.Bind(context.Configuration, kestrel.Limits);
            kestrel.ConfigureEndpointDefaults(listen => listen.UseKestrelProblems());
        });
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>().ValidateOnStart();
        builder.Services.AddSettings<KeelOptions>("Keel");
        builder.Services.AddSettings<HttpOptions>("Http");
        builder.Services.AddSettings<TenantsOptions>("Tenants");
        builder.Services.AddSettings<RedisOptions>("Redis");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RedisConnection>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddKeelProblems();
        builder.Services.AddKeelOpenApi();
        builder.AddStorage();
        builder.AddSecrets();
        builder.AddJobs();
        builder.AddEvents();
        builder.AddObservability();
        builder.AddAuth();
        builder.AddKeys();
        builder.AddWebhooks();
        builder.AddLimits();
        builder.AddUsage();
        builder.AddAnomalies();
        return builder;
    }

    static void AddAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AdminTokens>();
        builder.Services.AddSingleton<IStartupTask, AdminTokens.Bootstrap>();
        builder.Services.AddAuthentication(BearerAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerAuthentication>(BearerAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(o =>
        {
            // One policy per permission, named after it: .RequireAuthorization(Permissions.KeysWrite).
            foreach (var permission in Permissions.All)
            {
                o.AddPolicy(permission, p => p.RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(permission)));
            }
        });
        builder.Services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, PermissionResultHandler>();
    }

    public static WebApplication MapKeel(this WebApplication app)
    {
        app.UseKestrelProblems();
        app.UseNoSniff();
        app.UseExceptionHandler();
        // Unknown routes and wrong methods leave an empty 404/405; this makes them problem+json.
        app.UseStatusCodePages();
        app.UseMiddleware<BodySizeLimit>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseTenantRateLimits();

        app.MapObservability();
        app.MapKeelOpenApi();
        app.MapErrorsApi();
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<KeelOptions>>().Value.ServesApi)
        {
            app.MapTenantsApi();
            app.MapKeysApi();
            app.MapWebhooksApi();
            app.MapLimitsApi();
            app.MapQuotasApi();
            app.MapUsageApi();
            app.MapAnomaliesApi();
        }
        return app;
    }
}
