namespace Keel.Storage;

/// <summary>Work a node must finish before any service starts: its place in the order is <see cref="Order"/>.</summary>
public interface IStartupTask
{
    /// <summary>One of <see cref="StartupOrder"/>; lower runs first.</summary>
    int Order { get; }

    Task RunAsync(CancellationToken ct);
}

/// <summary>The start-up order in one place, so it never depends on the order services were registered in.</summary>
public static class StartupOrder
{
    /// <summary>The schema first: everything after reads or writes tables.</summary>
    public const int Migrations = 0;

    /// <summary>Then the master key, so a bad one stops the node before it serves a request.</summary>
    public const int MasterKey = 10;

    /// <summary>Then the admin token, which is stored in the migrated schema.</summary>
    public const int AdminToken = 20;
}

/// <summary>
/// Runs every <see cref="IStartupTask"/> in order in the host's "starting" phase, which completes before any
/// hosted service (the API, the workers, the listeners) starts.
/// </summary>
internal sealed class StartupTasks(IEnumerable<IStartupTask> tasks) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var task in tasks.OrderBy(t => t.Order))
        {
            await task.RunAsync(cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
