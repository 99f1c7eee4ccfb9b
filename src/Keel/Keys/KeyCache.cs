using System.Collections.Concurrent;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Keel.Keys;

/// <summary>
/// Keys by the hash of their secret, in memory, so verification and authentication read the database
/// only on a miss. A change to a key evicts it here at once (<see cref="Evict"/>) and on every other
/// node through <see cref="KeyChangeBus"/>.
/// </summary>
/// <remarks>
/// Keys and "no such key" answers are held apart, each under its own limit: random keys sent in bulk fill only the
/// second, so they can neither push real keys out nor keep new ones from being cached.
/// </remarks>
public sealed class KeyCache(IServiceScopeFactory scopes, IOptions<KeysOptions> options) : IDisposable
{
    readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.CacheMaxEntries });
    readonly MemoryCache _missing = new(new MemoryCacheOptions { SizeLimit = options.Value.NegativeCacheMaxEntries });
    readonly ConcurrentDictionary<string, Lazy<Task<CachedKey?>>> _loading = new();
    // Bumped by every eviction. A load that started before an eviction must not store what it read:
    // the row may have been read just before the change that the eviction announced.
    long _generation;

    public async ValueTask<CachedKey?> GetAsync(string hash, CancellationToken ct)
    {
        if (_cache.TryGetValue(hash, out CachedKey? cached))
        {
            return cached;
        }
        if (_missing.TryGetValue(hash, out _))
        {
            return null;
        }
        // One database read per key however many requests miss at once (a burst on a cold or just
        // evicted key); each caller may still give up on its own token.
        var load = _loading.GetOrAdd(hash, h => new Lazy<Task<CachedKey?>>(() => LoadAsync(h)));
        try
        {
            return await load.Value.WaitAsync(ct);
        }
        finally
        {
            _loading.TryRemove(new KeyValuePair<string, Lazy<Task<CachedKey?>>>(hash, load));
        }
    }

    async Task<CachedKey?> LoadAsync(string hash)
    {
        var generation = Interlocked.Read(ref _generation);
        CachedKey? loaded;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            // Not the first caller's token: the others share this read.
            var row = await db.Keys.AsNoTracking().Where(k => k.Hash == hash)
                .Select(k => new { Key = k, Plan = db.RatePlans.FirstOrDefault(p => p.Id == k.PlanId) })
                .SingleOrDefaultAsync(CancellationToken.None);
            loaded = row is null ? null : CachedKey.From(row.Key, row.Plan);
        }
        if (Interlocked.Read(ref _generation) == generation)
        {
            var (cache, ttl) = loaded is null ? (_missing, options.Value.NegativeCacheTtl) : (_cache, options.Value.CacheTtl);
            cache.Set(hash, loaded, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = ttl, Size = 1 });
            // An eviction may have run between the check and the Set, and then found nothing to remove.
            if (Interlocked.Read(ref _generation) != generation)
            {
                cache.Remove(hash);
            }
        }
        return loaded;
    }

    public void Evict(IEnumerable<string> hashes)
    {
        Interlocked.Increment(ref _generation);
        foreach (var hash in hashes)
        {
            _cache.Remove(hash);
            _missing.Remove(hash);
            _loading.TryRemove(hash, out _); // a read already under way may predate the change: don't join it
        }
    }

    /// <summary>Forgets everything: after a lost notification channel, when evictions may have been missed.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _cache.Clear();
        _missing.Clear();
        _loading.Clear();
    }

    /// <summary>Keys held now.</summary>
    public long Count => _cache.Count;

    /// <summary>"No such key" answers held now.</summary>
    public long MissingCount => _missing.Count;

    public void Dispose()
    {
        _cache.Dispose();
        _missing.Dispose();
    }
}
