using Keel.Keys;
using Keel.Storage;
using Keel.Tenants;
using Keel.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Keel.Tests.Hostile;

/// <summary>
/// Random keys of the right shape cost a read each but hold at most <c>Keys:NegativeCacheMaxEntries</c> places, and
/// never a real key's: one first read after the flood is still kept. It measures the heap: alone.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class KeyCacheFloodTests : IAsyncLifetime, IDisposable
{
    const int Lookups = 100_000;
    const int Limit = 1_000;
    // 1,000 answers fit in well under a megabyte; 100,000 would take several times this bound (docs/security.md).
    const long MaxGrowthBytes = 8L << 20;
    const string TenantId = "ten_01jd2v3m4n5p6q7r8s9t0vwxyz";
    static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    readonly ServiceProvider _services;
    readonly CountingScopes _scopes;
    readonly KeyCache _cache;
    readonly ITestOutputHelper _output;

    public KeyCacheFloodTests(ITestOutputHelper output)
    {
        _output = output;
        var storage = new StorageOptions { Provider = StorageOptions.Sqlite, ConnectionString = TestServers.NewSqliteDatabase() };
        var services = new ServiceCollection();
        services.AddDbContextPool<SqliteKeelDb>(o => StorageSetup.ConfigureSqlite(o, storage));
        services.AddScoped<KeelDb>(sp => sp.GetRequiredService<SqliteKeelDb>());
        _services = services.BuildServiceProvider();
        _scopes = new CountingScopes(_services.GetRequiredService<IServiceScopeFactory>());
        // Nothing expires during the flood, however slow the machine: only the limits bound what is held.
        _cache = new KeyCache(_scopes, Options.Create(new KeysOptions
        {
            CacheMaxEntries = Limit,
            NegativeCacheMaxEntries = Limit,
            CacheTtl = TimeSpan.FromHours(1),
            NegativeCacheTtl = TimeSpan.FromHours(1),
        }));
    }

    public async Task InitializeAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        await db.Database.MigrateAsync();
        db.Tenants.Add(new Tenant { Id = TenantId, Name = "Acme", Slug = "acme", CreatedAt = Now, UpdatedAt = Now });
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _cache.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task GetAsync_100000UnknownKeys_HoldAtMost1000AnswersAndARealKeyIsStillCached()
    {
        var known = await AddKeyAsync();
        Assert.NotNull(await _cache.GetAsync(known, default));
        var before = FloodTests.SettledMemory();

        await FloodTests.FloodAsync(Lookups, async _ =>
            await _cache.GetAsync(Keel.Http.BearerSecrets.Hash("acme_live_" + FloodTests.Random62(33)), default) is null
                ? System.Net.HttpStatusCode.OK : System.Net.HttpStatusCode.Conflict);

        var grown = FloodTests.SettledMemory() - before;
        _output.WriteLine($"{Lookups} lookups; {_cache.MissingCount} answers held; managed heap grew {grown / 1024} KB");
        Assert.InRange(_cache.MissingCount, 1, Limit);
        Assert.True(grown < MaxGrowthBytes, $"managed memory grew by {grown >> 20} MB ({grown} bytes)");
        // Before the answers had a limit of their own, they filled the shared one and a new key was not kept.
        var fresh = await AddKeyAsync();
        Assert.NotNull(await _cache.GetAsync(fresh, default));
        var reads = _scopes.Created;
        Assert.NotNull(await _cache.GetAsync(fresh, default));
        Assert.NotNull(await _cache.GetAsync(known, default));
        Assert.Equal(reads, _scopes.Created);
    }

    async Task<string> AddKeyAsync()
    {
        var (key, secret) = KeyIssuer.Issue(TenantId, ApiKey.Client, "Customer", "acme_live", null, Now);
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        db.Keys.Add(key);
        await db.SaveChangesAsync();
        return Keel.Http.BearerSecrets.Hash(secret);
    }

    /// <summary>Counts the scopes the cache makes: one per database read.</summary>
    sealed class CountingScopes(IServiceScopeFactory inner) : IServiceScopeFactory
    {
        int _created;

        public int Created => Volatile.Read(ref _created);

        public IServiceScope CreateScope()
        {
            Interlocked.Increment(ref _created);
            return inner.CreateScope();
        }
    }
}
