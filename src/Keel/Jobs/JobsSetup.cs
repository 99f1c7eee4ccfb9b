namespace Keel.Jobs;

public static class JobsSetup
{
    /// <summary>Leases, the periodic-job loop and the rotation scheduler that runs every feature's <see cref="IRotationScan"/>.</summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<JobLeases>();
        builder.Services.AddSingleton<PeriodicJobs>();
        builder.Services.AddWorker<RotationScheduler>();
        return builder;
    }
}
