using Keel.Http;
using Microsoft.Extensions.Options;

namespace Keel.Usage.Anomalies;

public static class AnomaliesSetup
{
    public static IHostApplicationBuilder AddAnomalies(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AnomaliesOptions>().BindConfiguration("Anomalies").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IAnomalyDetector>(sp => new RobustDetector(sp.GetRequiredService<IOptions<AnomaliesOptions>>().Value));
        builder.Services.AddSingleton<AnomalyMonitor>();
        builder.Services.AddSingleton<AnomalyScanner>();
        // Only workers scan, and only one of them at a time (the scanner's lease).
        builder.Services.AddSingleton<IHostedService>(sp =>
            sp.GetRequiredService<IOptions<KeelOptions>>().Value.RunsWorkers && sp.GetRequiredService<IOptions<AnomaliesOptions>>().Value.Enabled
                ? sp.GetRequiredService<AnomalyScanner>()
                : new NoScan());
        return builder;
    }

    sealed class NoScan : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
