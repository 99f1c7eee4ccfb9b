using Keel.Http;
using Microsoft.Extensions.Options;

namespace Keel.Jobs;

/// <summary>
/// Background work that only worker nodes run (<c>--role worker</c> or <c>all</c>). The service itself is always
/// registered, so tests and other services can reach it; only starting it depends on the role and on
/// its own setting, when it names one.
/// </summary>
public static class WorkerServices
{
    public static IServiceCollection AddWorker<T>(this IServiceCollection services, Func<IServiceProvider, bool>? enabled = null)
        where T : class, IHostedService
    {
        services.AddSingleton<T>();
        services.AddSingleton<IHostedService>(sp =>
            sp.GetRequiredService<IOptions<KeelOptions>>().Value.RunsWorkers && (enabled?.Invoke(sp) ?? true)
                ? sp.GetRequiredService<T>()
                : NoWork.Instance);
        return services;
    }

    sealed class NoWork : IHostedService
    {
        public static readonly NoWork Instance = new();

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
