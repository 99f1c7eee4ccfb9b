using Keel.Storage;

namespace Keel.Tenants;

/// <summary>
/// A feature's part in a tenant's life. The tenant routes call every registered one, so Tenants names no
/// feature, and each feature ends its own resources instead of another writing its tables.
/// </summary>
public interface ITenantLifecycle
{
    /// <summary>
    /// Inside the transaction that deletes the tenant: stop what this feature does for it. What it returns runs
    /// after the commit (telling other nodes).
    /// </summary>
    Task<Func<CancellationToken, Task>?> EndAsync(KeelDb db, string tenantId, DateTime now, CancellationToken ct);

    /// <summary>After a change of the tenant (its name, slug or rate plan) was committed.</summary>
    void Changed(string tenantId)
    {
    }
}

/// <summary>The owner management keys a tenant is made with, or given when it lost them (Keys issues them).</summary>
public interface IOwnerKeys
{
    /// <summary>The name a recovery key is given, so the tenant recognises it in <c>key.created</c>.</summary>
    const string RecoveryKeyName = "Recovery owner key";

    /// <summary>Adds a new tenant's first owner key to the unit of work; its secret is shown once, in the creation's answer.</summary>
    ManagementKeySecret AddFirst(KeelDb db, string tenantId, DateTime now);

    /// <summary>Issues a recovery owner key and tells the tenant; null when the tenant is deleted.</summary>
    Task<ManagementKeySecret?> IssueRecoveryAsync(KeelDb db, string tenantId, CancellationToken ct);
}
