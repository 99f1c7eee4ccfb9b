using System.ComponentModel.DataAnnotations;

namespace Keel.Tenants;

/// <summary>
/// The <c>Tenants</c> configuration section: what a new tenant gets and how much any tenant may hold, so that no
/// tenant is unlimited by accident and none can grow a table or a node's memory without bound.
/// </summary>
public sealed class TenantsOptions
{
    /// <summary>The operator plan of a tenant created without <c>plan_id</c> (the seeded <c>free</c> plan).</summary>
    [Required(ErrorMessage = "Tenants:DefaultPlanId must name an operator rate plan.")]
    [StringLength(40, MinimumLength = 1, ErrorMessage = "Tenants:DefaultPlanId must name an operator rate plan.")]
    public string DefaultPlanId { get; set; } = "plan_free";

    /// <summary>Webhook endpoints per tenant, disabled ones included; it also bounds the deliveries of one publish (one per endpoint).</summary>
    [Range(1, 10_000, ErrorMessage = "Tenants:MaxWebhookEndpoints must be from 1 to 10000.")]
    public int MaxWebhookEndpoints { get; set; } = 100;

    /// <summary>Event types in a tenant's catalog (each with a schema of up to 64 KB).</summary>
    [Range(1, 100_000, ErrorMessage = "Tenants:MaxEventTypes must be from 1 to 100000.")]
    public int MaxEventTypes { get; set; } = 1000;

    /// <summary>
    /// <c>/v1/ratelimits/check</c> buckets not yet full a tenant holds at once: in Redis when it is configured (for the
    /// cluster), else in each node's memory (about 350 bytes plus two per character of its namespace and identifier). A
    /// bucket goes once it is full again, at most a day after its last take.
    /// </summary>
    [Range(1, 10_000_000, ErrorMessage = "Tenants:MaxRateLimitBuckets must be from 1 to 10000000.")]
    public int MaxRateLimitBuckets { get; set; } = 10_000;
}
