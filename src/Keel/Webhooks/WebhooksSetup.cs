using Keel.Hosting;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

public static partial class WebhooksSetup
{
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhooksOptions>().BindConfiguration("Webhooks").ValidateDataAnnotations()
            .Validate(o => o.EffectiveRetrySchedule.All(d => d > TimeSpan.Zero), "Webhooks:RetrySchedule must list positive TimeSpans (\"00:00:05\").")
            .Validate(o => o.AttemptTimeout > TimeSpan.Zero && o.AttemptTimeout < o.LeaseDuration,
                "Webhooks:AttemptTimeout must be positive and shorter than Webhooks:LeaseDuration.")
            .Validate(o => o.PollInterval > TimeSpan.Zero, "Webhooks:PollInterval must be positive.")
            .Validate(o => o.Retention > TimeSpan.Zero, "Webhooks:Retention must be positive.")
            .Validate(o => WebhookNetworkPolicy.TryParseNetworks(o.AllowedNetworks, out _, out _),
                "Webhooks:AllowedNetworks must be a list of CIDR ranges (\"10.1.0.0/16\", \"fd00::/8\").")
            .Validate(o => string.IsNullOrEmpty(o.MasterKey) || IsKey(o.MasterKey), "Webhooks:MasterKey must be base64 of exactly 32 bytes.")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<WebhooksOptions>>().Value;
            // Validated at start (above); a list that does not parse never gets this far.
            return new WebhookNetworkPolicy(o.AllowHttp, WebhookNetworkPolicy.TryParseNetworks(o.AllowedNetworks, out var networks, out _) ? networks : []);
        });
        builder.Services.AddSingleton<DispatchSignal>();
        builder.Services.AddSingleton<Outbox>();
        builder.Services.AddSingleton<EventSchemas>();
        builder.Services.AddSingleton<SecretKeeper>();
        builder.Services.AddSingleton<SecretRotation>();
        builder.Services.AddSingleton<Keys.IRotationScan, SecretRotationScan>();
        builder.Services.AddSingleton<WebhookClient>();
        builder.Services.AddSingleton<WebhookMetrics>();
        builder.Services.AddSingleton<DeliverySender>();
        builder.Services.AddSingleton<DeliveryRecorder>();
        builder.Services.AddSingleton<EndpointRateLimiter>();
        builder.Services.AddHostedService<MasterKeyCheck>();
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

    static bool IsKey(string base64)
    {
        Span<byte> bytes = stackalloc byte[48];
        return Convert.TryFromBase64String(base64, bytes, out var n) && n == 32;
    }

    /// <summary>Loads (or creates) the master key at start, so a broken key file stops the process at once.</summary>
    sealed partial class MasterKeyCheck(
        SecretKeeper keeper, IOptions<WebhooksOptions> options, IOptions<Storage.StorageOptions> storage, ILogger<MasterKeyCheck> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            keeper.EnsureMasterKey();
            if (storage.Value.IsPostgres && string.IsNullOrEmpty(options.Value.MasterKey))
            {
                // A key file is per machine: nodes with different keys cannot read each other's endpoint secrets.
                KeyFileInCluster(logger, Path.GetFullPath(options.Value.MasterKeyFile));
            }
            return Task.CompletedTask;
        }

        [LoggerMessage(EventId = 49, Level = LogLevel.Warning,
            Message = "Webhooks:MasterKey is not set; this node encrypts webhook secrets with the key in {File}. Every node on this database needs the same key: set Webhooks:MasterKey on all of them.")]
        static partial void KeyFileInCluster(ILogger logger, string file);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
