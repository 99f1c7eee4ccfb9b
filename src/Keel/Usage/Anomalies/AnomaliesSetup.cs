using Keel.Jobs;
using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Usage.Anomalies;

public static class AnomaliesSetup
{
    public static IHostApplicationBuilder AddAnomalies(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<AnomaliesOptions>("Anomalies");
        builder.Services.AddSingleton<IAnomalyDetector>(sp => new RobustDetector(sp.GetRequiredService<IOptions<AnomaliesOptions>>().Value));
        builder.Services.AddSingleton<AnomalyMonitor>();
        // Only workers scan, and only one of them at a time (the scanner's lease).
        builder.Services.AddWorker<AnomalyScanner>(sp => sp.GetRequiredService<IOptions<AnomaliesOptions>>().Value.Enabled);
        return builder;
    }
}
