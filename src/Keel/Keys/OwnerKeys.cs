using Keel.Events;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.EntityFrameworkCore;

namespace Keel.Keys;

/// <summary>
/// A tenant keeps an active owner key: its last one cannot be revoked, and the platform admin can issue a
/// new one (recovery) to a tenant that lost the secrets of all of them.
/// </summary>
public sealed class OwnerKeys(Outbox outbox, KeyChangeBus changes, TimeProvider time) : IOwnerKeys
{
    public const string RecoveryKeyName = IOwnerKeys.RecoveryKeyName;

    public ManagementKeySecret AddFirst(KeelDb db, string tenantId, DateTime now)
    {
        var (key, secret) = KeyIssuer.Issue(tenantId, ApiKey.Management, "Owner key", null, Roles.Owner, now);
        db.Keys.Add(key);
        return new ManagementKeySecret(key.Id, secret);
    }

    /// <summary>Whether <paramref name="key"/> is an active owner key, whose revocation must leave another.</summary>
    public static bool IsActiveOwnerKey(ApiKey key, DateTime now) =>
        key is { Kind: ApiKey.Management, Role: Roles.Owner } && key.StateAt(now) == KeyState.Active;

    /// <summary>
    /// Inside the transaction that revokes <paramref name="key"/>: whether the tenant has another active owner
    /// key. Two revocations of its last two owner keys each see the other's key still active unless they take
    /// turns, so the tenant's row is locked first and the second one reads after the first committed.
    /// </summary>
    public static async Task<bool> AnotherActiveAsync(KeelDb db, ApiKey key, DateTime now, CancellationToken ct)
    {
        await LockLiveTenantAsync(db, key.TenantId, ct);
        return await db.Keys.AnyAsync(k => k.TenantId == key.TenantId && k.Id != key.Id && k.Kind == ApiKey.Management
            && k.Role == Roles.Owner && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now), ct);
    }

    /// <summary>
    /// Issues an owner key to <paramref name="tenantId"/> and publishes <c>key.created</c> with it, so the
    /// tenant sees that one was made. Null when the tenant is deleted (or being deleted: the lock makes a
    /// concurrent deletion either wait for this key, and revoke it, or win and leave nothing to issue).
    /// </summary>
    public async Task<ManagementKeySecret?> IssueRecoveryAsync(KeelDb db, string tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!await LockLiveTenantAsync(db, tenantId, ct))
        {
            return null;
        }
        var (key, secret) = KeyIssuer.Issue(tenantId, ApiKey.Management, RecoveryKeyName, null, Roles.Owner, now);
        db.Keys.Add(key);
        var view = KeyView.From(key, now);
        var staged = await outbox.StageAsync(db, tenantId, EventTypeNames.KeyCreated, view, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Wake(db, staged);
        // A node may remember "no such key" for this hash.
        await changes.PublishAsync([key.Hash], ct);
        return new ManagementKeySecret(key.Id, secret);
    }

    // A write that changes nothing still takes the row's lock on PostgreSQL, and SQLite's one write lock.
    static async Task<bool> LockLiveTenantAsync(KeelDb db, string tenantId, CancellationToken ct) =>
        await db.Tenants.Where(t => t.Id == tenantId && t.DeletedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UpdatedAt, t => t.UpdatedAt), ct) == 1;
}
