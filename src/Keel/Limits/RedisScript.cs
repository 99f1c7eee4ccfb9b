using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Keel.Limits;

/// <summary>
/// A Lua script sent as <c>EVALSHA</c>, so a call carries the 40-character digest instead of the script: one round trip.
/// When the server does not know the script (its first use, a restart, <c>SCRIPT FLUSH</c>, a failover to a replica
/// that never ran it) the call is repeated once as <c>EVAL</c>, which also caches it there. Any other Redis error
/// reaches the caller, who decides whether to fail open or closed.
/// </summary>
internal sealed partial class RedisScript
{
    readonly string _name;
    readonly string _text;
    readonly byte[] _sha1;

    public RedisScript(string name, string text)
    {
        _name = name;
        _text = text;
#pragma warning disable CA5350 // Redis names a cached script by its SHA-1; nothing here depends on SHA-1 resisting attack.
        _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5350
    }

    public string Text => _text;

    /// <summary>The digest Redis gives the script (lower-case hex), for <c>EVALSHA</c> from other clients.</summary>
    public string Sha1 => Convert.ToHexStringLower(_sha1);

    public Task<RedisResult> EvaluateAsync(IDatabaseAsync redis, RedisKey key, RedisValue[] args, ILogger logger) =>
        EvaluateAsync(redis, [key], args, logger);

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync redis, RedisKey[] keys, RedisValue[] args, ILogger logger)
    {
        try
        {
            return await redis.ScriptEvaluateAsync(_sha1, keys, args);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            Loading(logger, _name);
            return await redis.ScriptEvaluateAsync(_text, keys, args);
        }
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information,
        Message = "Redis did not know the {Script} script (first use, restart or SCRIPT FLUSH); sending it in full once")]
    static partial void Loading(ILogger logger, string script);
}
