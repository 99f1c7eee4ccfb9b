using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Http;

/// <summary>
/// Recognises the platform admin token: the configured one when <c>Keel:AdminToken</c> is set,
/// otherwise the hash stored by the first start or by <c>keel admin-token rotate</c>. The stored hash is
/// re-read every few seconds, so a rotation made by the CLI reaches running servers without a restart.
/// </summary>
public sealed class AdminTokens(IOptions<KeelOptions> options, IServiceScopeFactory scopes, TimeProvider time)
{
    static readonly TimeSpan Refresh = TimeSpan.FromSeconds(10);
    readonly string? _configuredHash = options.Value.AdminToken is { Length: > 0 } configured ? BearerSecrets.Hash(configured) : null;
    string? _storedHash;
    DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public const string Prefix = "keel_admin";

    /// <summary>Whether <paramref name="secret"/> (whose hash the caller already computed) is the admin token.</summary>
    public async ValueTask<bool> IsAdminAsync(string secret, string hash, CancellationToken ct)
    {
        if (_configuredHash is not null)
        {
            return BearerSecrets.HashesEqual(hash, _configuredHash);
        }
        // Only a token shaped like one of ours can be the stored one: no database read for other secrets.
        if (!secret.StartsWith(Prefix + "_", StringComparison.Ordinal))
        {
            return false;
        }
        if (_storedHash is null || time.GetUtcNow() - _readAt > Refresh)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            _storedHash = await db.PlatformSecrets.Where(s => s.Name == PlatformSecret.AdminToken)
                .Select(s => s.Hash).SingleOrDefaultAsync(ct);
            _readAt = time.GetUtcNow();
        }
        return _storedHash is not null && BearerSecrets.HashesEqual(hash, _storedHash);
    }

    /// <summary>Makes a new admin token, stores its hash (replacing any old one) and returns it.</summary>
    public static async Task<string> RotateAsync(KeelDb db, TimeProvider time, CancellationToken ct)
    {
        var token = BearerSecrets.New(Prefix);
        var row = await db.PlatformSecrets.SingleOrDefaultAsync(s => s.Name == PlatformSecret.AdminToken, ct);
        if (row is null)
        {
            db.PlatformSecrets.Add(row = new PlatformSecret { Name = PlatformSecret.AdminToken, Hash = "" });
        }
        row.Hash = BearerSecrets.Hash(token);
        row.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return token;
    }

    /// <summary>At first start with no configured token: generate one and print it, once.</summary>
    internal sealed class Bootstrap(IServiceProvider services, IOptions<KeelOptions> options, TimeProvider time) : IStartupTask
    {
        public int Order => StartupOrder.AdminToken;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            if (options.Value.AdminToken is { Length: > 0 })
            {
                return;
            }
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            if (await db.PlatformSecrets.AnyAsync(s => s.Name == PlatformSecret.AdminToken, cancellationToken))
            {
                return;
            }
            string token;
            try
            {
                token = await RotateAsync(db, time, cancellationToken);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                return; // another node starting at the same moment made (and printed) it
            }
            // Written to the console, not the log: it must be seen once and never kept in log storage.
            Console.WriteLine($"""

                Keel generated a platform admin token. It is shown this once; only its hash is stored:

                    {token}

                Set Keel:AdminToken to choose your own, or run `keel admin-token rotate` for a new one.

                """);
        }
    }
}
