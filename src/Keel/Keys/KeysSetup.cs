using Keel.Jobs;
using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Keys;

public static class KeysSetup
{
    public static IHostApplicationBuilder AddKeys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<KeysOptions>("Keys");
        builder.Services.AddSettings<RotationScanOptions>("Keys");
        builder.Services.AddSingleton<KeyCache>();
        builder.Services.AddSingleton<KeyChangeBus>();
        builder.Services.AddSingleton<KeyMetrics>();
        builder.Services.AddSingleton<KeyVerifier>();
        builder.Services.AddSingleton<LastUsedTracker>();
        builder.Services.AddHostedService<KeyChangeListener>();
        builder.Services.AddSingleton<LastUsedFlusher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LastUsedFlusher>());
        builder.Services.AddWorker<KeyExpiryNotifier>(sp => sp.GetRequiredService<IOptions<KeysOptions>>().Value.ExpiryNoticeDays > 0);
        builder.Services.AddSingleton<KeyRotation>();
        builder.Services.AddSingleton<OwnerKeys>();
        builder.Services.AddSingleton<Tenants.IOwnerKeys>(sp => sp.GetRequiredService<OwnerKeys>());
        builder.Services.AddSingleton<Tenants.ITenantLifecycle, KeysOfTenant>();
        builder.Services.AddSingleton<Http.IBearerCredentials, ManagementKeyCredentials>();
        builder.Services.AddSingleton<Limits.IRatePlanListener, PlanChangeEviction>();
        builder.Services.AddSingleton<IRotationScan, KeyRotationScan>();
        return builder;
    }
}
