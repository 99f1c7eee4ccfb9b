using Keel.Limits;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Limits;

/// <summary>Issue 11: the operator-plan cache is dropped on a plan change while requests read it.</summary>
public abstract class PlanCacheTests(KeelFixture fixture)
{
    [Fact]
    public async Task ForgetPlans_UnderConcurrentReaders_ReadersNeverSeeADisposedCache()
    {
        var tenant = await fixture.NewTenantAsync();
        using var limits = new TenantLimits(fixture.Node.Services.GetRequiredService<IServiceScopeFactory>());
        await limits.PlanOfAsync(tenant.Id, CancellationToken.None);

        using var stop = new CancellationTokenSource();
        var reads = 0L;
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await limits.PlanOfAsync(tenant.Id, CancellationToken.None);
                Interlocked.Increment(ref reads);
            }
        })).ToList();
        for (var i = 0; i < 20_000; i++)
        {
            limits.ForgetPlans();
            if (i % 1000 == 0)
            {
                await Task.Yield();
            }
        }
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.True(reads > 0);
    }
}

public sealed class PlanCacheTests_Sqlite(SqliteFixture f) : PlanCacheTests(f), IClassFixture<SqliteFixture>;

public sealed class PlanCacheTests_Postgres(PostgresFixture f) : PlanCacheTests(f), IClassFixture<PostgresFixture>;
