using Keel.Jobs;
using Microsoft.Extensions.Options;

namespace Keel.Keys;

public static class KeysSetup
{
    public static IHostApplicationBuilder AddKeys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<KeysOptions>().BindConfiguration("Keys").ValidateDataAnnotations()
            // Task.Delay takes at most about 49 days.
            .Validate(o => o.RotationScanInterval >= TimeSpan.FromSeconds(1) && o.RotationScanInterval <= TimeSpan.FromDays(49),
                "Keys:RotationScanInterval must be from 00:00:01 to 49.00:00:00.")
            .ValidateOnStart();
        builder.Services.AddOptions<RotationScanOptions>().Configure<IOptions<KeysOptions>>((scan, keys) => scan.Interval = keys.Value.RotationScanInterval);
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
