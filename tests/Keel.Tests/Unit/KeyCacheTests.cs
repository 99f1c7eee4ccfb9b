using Keel.Keys;
using Keel.Storage;
using Keel.Tenants;
using Keel.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Keel.Tests.Unit;

/// <summary>
/// <see cref="KeyCache"/> over a SQLite file (no server): it reads a key once, forgets it when told,
/// and never keeps a row it read before an eviction that overtook the read.
/// </summary>
public sealed class KeyCacheTests : IAsyncLifetime, IDisposable
{
    static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    readonly ServiceProvider _services;
    readonly GatedScopes _scopes;
    readonly KeyCache _cache;

    public KeyCacheTests()
    {
        var storage = new StorageOptions { Provider = StorageOptions.Sqlite, ConnectionString = TestServers.NewSqliteDatabase() };
        var services = new ServiceCollection();
        services.AddDbContext<SqliteKeelDb>(o => StorageSetup.ConfigureSqlite(o, storage));
        services.AddScoped<KeelDb>(sp => sp.GetRequiredService<SqliteKeelDb>());
        _services = services.BuildServiceProvider();
        _scopes = new GatedScopes(_services.GetRequiredService<IServiceScopeFactory>());
        _cache = new KeyCache(_scopes, Options.Create(new KeysOptions()));
    }

    public async Task InitializeAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        await db.Database.MigrateAsync();
        db.Tenants.Add(new Tenant { Id = "ten_01jd2v3m4n5p6q7r8s9t0vwxyz", Name = "Acme", Slug = "acme", CreatedAt = Now, UpdatedAt = Now });
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _cache.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task GetAsync_Cached_RowChangesUnseenUntilEvicted()
    {
        var hash = await AddKeyAsync();
        Assert.Equal(KeyState.Active, (await _cache.GetAsync(hash, default))!.StateAt(Now));

        await RevokeInDatabaseAsync(hash);
        Assert.Equal(KeyState.Active, (await _cache.GetAsync(hash, default))!.StateAt(Now));

        _cache.Evict([hash]);
        Assert.Equal(KeyState.Revoked, (await _cache.GetAsync(hash, default))!.StateAt(Now));
    }

    [Fact]
    public async Task GetAsync_AfterClear_ReadsAgain()
    {
        var hash = await AddKeyAsync();
        await _cache.GetAsync(hash, default);
        await RevokeInDatabaseAsync(hash);

        _cache.Clear();

        Assert.Equal(KeyState.Revoked, (await _cache.GetAsync(hash, default))!.StateAt(Now));
    }

    [Fact]
    public async Task GetAsync_UnknownHashThenCreated_NotFoundUntilEvicted()
    {
        var hash = Keel.Http.BearerSecrets.Hash("acme_live_not_yet");
        Assert.Null(await _cache.GetAsync(hash, default));

        await AddKeyAsync(hash);
        Assert.Null(await _cache.GetAsync(hash, default)); // "no such key" is remembered too

        _cache.Evict([hash]);
        Assert.NotNull(await _cache.GetAsync(hash, default));
    }

    [Fact]
    public async Task GetAsync_EvictedWhileLoading_DoesNotKeepWhatItRead()
    {
        var hash = await AddKeyAsync();
        _scopes.Gated = true;
        var load = _cache.GetAsync(hash, default).AsTask();
        await _scopes.Read.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the row is read, not yet stored
        _scopes.Gated = false;

        await RevokeInDatabaseAsync(hash);
        _cache.Evict([hash]);
        _scopes.Release.SetResult();

        Assert.Equal(KeyState.Active, (await load)!.StateAt(Now)); // that caller read before the change
        Assert.Equal(KeyState.Revoked, (await _cache.GetAsync(hash, default))!.StateAt(Now));
    }

    [Fact]
    public async Task GetAsync_ManyMissesAtOnce_ReadTheDatabaseOnce()
    {
        var hash = await AddKeyAsync();
        _scopes.Gated = true;
        var before = _scopes.Created;

        var loads = Enumerable.Range(0, 20).Select(_ => _cache.GetAsync(hash, default).AsTask()).ToList();
        await _scopes.Read.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _scopes.Release.SetResult();
        var keys = await Task.WhenAll(loads);

        Assert.Equal(1, _scopes.Created - before);
        Assert.All(keys, k => Assert.Equal(KeyState.Active, k!.StateAt(Now)));
    }

    [Fact]
    public async Task GetAsync_EvictedWhileLoading_LaterCallerDoesNotJoinTheStaleRead()
    {
        var hash = await AddKeyAsync();
        _scopes.Gated = true;
        var stale = _cache.GetAsync(hash, default).AsTask();
        await _scopes.Read.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _scopes.Gated = false;
        await RevokeInDatabaseAsync(hash);
        _cache.Evict([hash]);

        // While the stale read is still held: joining it would wait on it, hence the time limit.
        var fresh = await _cache.GetAsync(hash, default).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(KeyState.Revoked, fresh!.StateAt(Now));
        _scopes.Release.SetResult();
        await stale;
    }

    async Task<string> AddKeyAsync(string? hash = null)
    {
        var (key, secret) = KeyIssuer.Issue("ten_01jd2v3m4n5p6q7r8s9t0vwxyz", ApiKey.Client, "Customer", "acme_live", null, Now);
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        db.Keys.Add(hash is null ? key : new ApiKey
        {
            Id = key.Id,
            TenantId = key.TenantId,
            Kind = key.Kind,
            Name = key.Name,
            Prefix = key.Prefix,
            Start = key.Start,
            Hash = hash,
        });
        await db.SaveChangesAsync();
        return hash ?? Keel.Http.BearerSecrets.Hash(secret);
    }

    async Task RevokeInDatabaseAsync(string hash)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        Assert.Equal(1, await db.Keys.Where(k => k.Hash == hash).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, Now)));
    }

    /// <summary>When gated, a scope's disposal (just after the cache read the row) waits for the test.</summary>
    sealed class GatedScopes(IServiceScopeFactory inner) : IServiceScopeFactory
    {
        public volatile bool Gated;
        public int Created;
        public TaskCompletionSource Read { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IServiceScope CreateScope()
        {
            Interlocked.Increment(ref Created);
            return Gated ? new GatedScope(inner.CreateScope(), this) : inner.CreateScope();
        }
    }

    sealed class GatedScope(IServiceScope inner, GatedScopes gate) : IServiceScope, IAsyncDisposable
    {
        public IServiceProvider ServiceProvider => inner.ServiceProvider;

        public void Dispose() => inner.Dispose();

        public async ValueTask DisposeAsync()
        {
            gate.Read.TrySetResult();
            await gate.Release.Task;
            await ((IAsyncDisposable)inner).DisposeAsync();
        }
    }
}
