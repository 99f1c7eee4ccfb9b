using System.ComponentModel.DataAnnotations;

namespace Keel.Keys;

/// <summary>The <c>Keys</c> configuration section. Intervals stop at 49 days, the longest Task.Delay.</summary>
public sealed class KeysOptions
{
    /// <summary>
    /// How long a verified key stays in memory. Revocations evict at once (and on other nodes through
    /// Redis or PostgreSQL notifications); the TTL only bounds staleness if a notification is lost.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Keys:CacheTtl must be from 1 second to 1 day.")]
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long "no such key" is remembered, so a flood of random keys does not reach the database each time.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Keys:NegativeCacheTtl must be from 1 second to 1 day.")]
    public TimeSpan NegativeCacheTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Keys a node keeps in memory. Past it new keys wait for room (and cost a database read each time).</summary>
    [Range(1_000, 100_000_000, ErrorMessage = "Keys:CacheMaxEntries must be from 1000 to 100000000.")]
    public int CacheMaxEntries { get; set; } = 500_000;

    /// <summary>
    /// "No such key" answers a node keeps in memory, apart from the keys: a flood of random keys costs database
    /// reads past it, never memory, and never a real key its place.
    /// </summary>
    [Range(1_000, 100_000_000, ErrorMessage = "Keys:NegativeCacheMaxEntries must be from 1000 to 100000000.")]
    public int NegativeCacheMaxEntries { get; set; } = 100_000;

    /// <summary>How often pending <c>last_used_at</c> values are written (each key at most once a minute).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "49.00:00:00", ErrorMessage = "Keys:LastUsedFlushInterval must be from 1 second to 49 days.")]
    public TimeSpan LastUsedFlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How key changes reach other nodes: <c>auto</c> (every channel there is: Redis pub/sub when Redis
    /// is configured, and PostgreSQL NOTIFY when storage is PostgreSQL; a message lost on one arrives
    /// on the other), <c>redis</c>, <c>postgres</c> (only that one, e.g. <c>redis</c> behind a pooler
    /// that cannot LISTEN), or <c>none</c> (one node).
    /// </summary>
    [Required(ErrorMessage = ChangeChannelMessage), RegularExpression("^(auto|redis|postgres|none)$", ErrorMessage = ChangeChannelMessage)]
    public string ChangeChannel { get; set; } = "auto";

    /// <summary>
    /// Name of the Redis channel and PostgreSQL NOTIFY channel for key changes. Deployments that share
    /// one Redis server give each its own, so they do not evict each other's entries.
    /// </summary>
    [Required(ErrorMessage = ChangeChannelNameMessage), RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = ChangeChannelNameMessage)]
    public string ChangeChannelName { get; set; } = "keel_key_changes";

    /// <summary>How many days before <c>expires_at</c> a <c>key.expiring</c> event announces it.</summary>
    [Range(0, 365, ErrorMessage = "Keys:ExpiryNoticeDays must be from 0 to 365 (0: no notice).")]
    public int ExpiryNoticeDays { get; set; } = 7;

    /// <summary>How often worker nodes look for keys entering their notice period.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "49.00:00:00", ErrorMessage = "Keys:ExpiryScanInterval must be from 1 second to 49 days.")]
    public TimeSpan ExpiryScanInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Grace period of a rotation when the request (or the schedule) names none.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00", ErrorMessage = "Keys:DefaultRotationGrace must be from 0 to 30 days.")]
    public TimeSpan DefaultRotationGrace { get; set; } = TimeSpan.FromHours(24);

    const string ChangeChannelMessage = "Keys:ChangeChannel must be 'auto', 'redis', 'postgres' or 'none'.";
    const string ChangeChannelNameMessage = "Keys:ChangeChannelName must be a lowercase identifier of at most 63 characters (letters, digits, '_').";
}
