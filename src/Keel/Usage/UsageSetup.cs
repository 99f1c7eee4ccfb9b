using Keel.Jobs;
using Keel.Keys;
using Keel.Storage;

namespace Keel.Usage;

public static class UsageSetup
{
    public static IHostApplicationBuilder AddUsage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<UsageOptions>("Keys:Usage");
        builder.Services.AddSingleton<UsageCounter>();
        builder.Services.AddSingleton<IVerificationCounter>(sp => sp.GetRequiredService<UsageCounter>());
        builder.Services.AddScoped<UsageQueries>();
        // Every node flushes what it counted, whatever its role; one worker rolls up.
        builder.Services.AddSingleton<UsageFlusher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UsageFlusher>());
        builder.Services.AddWorker<UsageRollups>();
        return builder;
    }
}
