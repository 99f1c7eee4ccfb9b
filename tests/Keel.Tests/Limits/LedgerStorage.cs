using Keel.Jobs;
using Keel.Limits;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Limits;

/// <summary>A <see cref="QuotaLedger"/> on a SQLite file of its own and a fake clock, without a host around it.</summary>
internal sealed class LedgerStorage : IAsyncDisposable
{
    readonly ServiceProvider _services;

    LedgerStorage(ServiceProvider services, FakeTimeProvider time)
    {
        _services = services;
        Time = time;
        var storage = Options.Create(new StorageOptions { Provider = StorageOptions.Sqlite });
        Ledger = new QuotaLedger(services.GetRequiredService<IServiceScopeFactory>(),
            new PeriodicJobs(new JobLeases(storage), time, NullLogger<PeriodicJobs>.Instance), time, NullLogger<QuotaLedger>.Instance);
    }

    public FakeTimeProvider Time { get; }

    public QuotaLedger Ledger { get; }

    public static async Task<LedgerStorage> StartAsync(DateTimeOffset now)
    {
        var storage = new StorageOptions { Provider = StorageOptions.Sqlite, ConnectionString = TestServers.NewSqliteDatabase() };
        var services = new ServiceCollection();
        services.AddDbContextPool<SqliteKeelDb>(o => StorageSetup.ConfigureSqlite(o, storage));
        services.AddScoped<KeelDb>(sp => sp.GetRequiredService<SqliteKeelDb>());
        var provider = services.BuildServiceProvider();
        await using (var scope = provider.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<KeelDb>().Database.MigrateAsync();
        }
        return new LedgerStorage(provider, new FakeTimeProvider(now));
    }

    /// <summary>Runs <paramref name="work"/> on a database context of this storage.</summary>
    public async Task<T> WithDbAsync<T>(Func<KeelDb, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<KeelDb>());
    }

    public async ValueTask DisposeAsync()
    {
        Ledger.Dispose();
        await _services.DisposeAsync();
    }
}
