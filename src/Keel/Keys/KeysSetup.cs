namespace Keel.Keys;

public static class KeysSetup
{
    public static IHostApplicationBuilder AddKeys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<KeysOptions>().BindConfiguration("Keys").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<KeyCache>();
        builder.Services.AddSingleton<KeyChangeBus>();
        builder.Services.AddSingleton<KeyMetrics>();
        builder.Services.AddSingleton<KeyVerifier>();
        builder.Services.AddSingleton<LastUsedTracker>();
        builder.Services.AddHostedService<KeyChangeListener>();
        builder.Services.AddSingleton<LastUsedFlusher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LastUsedFlusher>());
        builder.Services.AddSingleton<KeyExpiryNotifier>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyExpiryNotifier>());
        return builder;
    }
}
