using Keel.Events;
using Keel.Jobs;
using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

public static class WebhooksSetup
{
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<WebhooksOptions>("Webhooks");
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<WebhooksOptions>>().Value;
            // Validated at start (WebhooksOptions.Validate); a list that does not parse never gets this far.
            return new WebhookNetworkPolicy(o.AllowHttp, WebhookNetworkPolicy.TryParseNetworks(o.AllowedNetworks, out var networks, out _) ? networks : []);
        });
        builder.Services.AddSingleton<DispatchSignal>();
        builder.Services.AddSingleton<IOutboxConsumer, WebhookFanout>();
        builder.Services.AddSingleton<EventSchemas>();
        builder.Services.AddSingleton<Publishing.PublishBatch>();
        builder.Services.AddSingleton<Publishing.PublishQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Publishing.PublishQueue>());
        builder.Services.AddSingleton<SecretKeeper>();
        builder.Services.AddSingleton<Tenants.ITenantLifecycle, EndpointsOfTenant>();
        builder.Services.AddSingleton<SecretRotation>();
        builder.Services.AddSingleton<IRotationScan, SecretRotationScan>();
        builder.Services.AddSingleton<WebhookClient>();
        builder.Services.AddSingleton<WebhookMetrics>();
        builder.Services.AddSingleton<DeliverySender>();
        builder.Services.AddSingleton<DeliveryRecorder>();
        builder.Services.AddSingleton<EndpointRateLimiter>();
        builder.Services.AddWorker<DeliveryDispatcher>(DispatcherEnabled);
        builder.Services.AddWorker<DispatchWakeListener>(DispatcherEnabled);
        builder.Services.AddWorker<WebhookRetention>(DispatcherEnabled);
        return builder;
    }

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        app.MapEndpointsApi();
        app.MapEventTypesApi();
        app.MapEventsApi();
        app.MapDeliveriesApi();
        return app;
    }

    static bool DispatcherEnabled(IServiceProvider sp) => sp.GetRequiredService<IOptions<WebhooksOptions>>().Value.DispatcherEnabled;
}
