using Keel.Hosting;
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
        builder.Services.AddSingleton<IRotationScan, KeyRotationScan>();
        builder.Services.AddWorker<RotationScheduler>();
        return builder;
    }
}
