using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Keel.Webhooks;

/// <summary>
/// A batch of outcomes written on PostgreSQL in one statement over arrays (<c>unnest</c>): an UPDATE of
/// the deliveries, fenced by the lease token as the change tracker's UPDATE is, and an INSERT of the
/// attempts of the deliveries it updated. The tracker sends a statement per row, each parsed and planned
/// on its own, and tracks two entities per outcome; under a storm that left the single recorder far behind the
/// sends, towards the lease after which a delivery is sent again (docs/benchmarks-history.md, Webhook storm).
/// The rows are the tracker's: the same columns and values (a null in <c>attempt_count</c>, <c>status</c>,
/// <c>round_failures</c> or <c>next_attempt_at</c> leaves that column, and those that go with it, as they
/// are), and an outcome whose lease was taken over writes nothing, its attempt included.
/// </summary>
internal static class OutcomeStatements
{
    const string Write = """
        WITH updated AS (
            UPDATE webhook_deliveries AS d SET
                attempt_count = coalesce(u.attempt_count, d.attempt_count),
                last_attempt_at = CASE WHEN u.attempt_count IS NULL THEN d.last_attempt_at ELSE u.last_attempt_at END,
                last_status_code = CASE WHEN u.attempt_count IS NULL THEN d.last_status_code ELSE u.last_status_code END,
                last_error = CASE WHEN u.attempt_count IS NULL THEN d.last_error ELSE u.last_error END,
                status = coalesce(u.status, d.status),
                completed_at = CASE WHEN u.status IS NULL THEN d.completed_at ELSE u.completed_at END,
                round_failures = coalesce(u.round_failures, d.round_failures),
                next_attempt_at = coalesce(u.next_attempt_at, d.next_attempt_at),
                lease_token = u.lease_token + 1,
                leased_until = NULL
            FROM unnest(@tenant_id, @id, @lease_token, @attempt_count, @last_attempt_at, @last_status_code, @last_error, @status, @completed_at,
                        @round_failures, @next_attempt_at)
                AS u(tenant_id, id, lease_token, attempt_count, last_attempt_at, last_status_code, last_error, status, completed_at,
                     round_failures, next_attempt_at)
            WHERE d.tenant_id = u.tenant_id AND d.id = u.id AND d.lease_token = u.lease_token
            RETURNING d.tenant_id, d.id
        )
        INSERT INTO webhook_attempts (id, tenant_id, delivery_id, endpoint_id, attempted_at, status_code, latency_ms, response_excerpt, error_code, error_detail)
        SELECT a.* FROM unnest(@a_id, @a_tenant_id, @a_delivery_id, @a_endpoint_id, @a_attempted_at, @a_status_code, @a_latency_ms, @a_response_excerpt,
                               @a_error_code, @a_error_detail)
            AS a(id, tenant_id, delivery_id, endpoint_id, attempted_at, status_code, latency_ms, response_excerpt, error_code, error_detail)
        WHERE EXISTS (SELECT 1 FROM updated WHERE updated.tenant_id = a.tenant_id AND updated.id = a.delivery_id)
        """;

    /// <summary>Writes the batch in the caller's transaction.</summary>
    /// <exception cref="DbUpdateException">A statement failed (as SaveChanges would report it, so the caller's one-by-one fallback applies).</exception>
    public static async Task WriteAsync(KeelDb db, IReadOnlyList<AttemptOutcome> outcomes, DateTime now, CancellationToken ct)
    {
        try
        {
            var attempts = outcomes.Where(o => o.Attempt is not null).Select(o => o.Attempt!).ToList();
            // The values of DeliveryRecorder.Apply: an attempt moves the attempt columns; a final outcome sets status
            // and completed_at; a failure counts in the round; a retry or a deferral moves next_attempt_at.
            await db.Database.ExecuteSqlRawAsync(Write, [
                PgArray.Of("tenant_id", outcomes.Select(o => o.Delivery.TenantId), NpgsqlDbType.Text),
                PgArray.Of("id", outcomes.Select(o => o.Delivery.Id), NpgsqlDbType.Text),
                PgArray.Of("lease_token", outcomes.Select(o => o.Delivery.LeaseToken), NpgsqlDbType.Bigint),
                PgArray.Of("attempt_count", outcomes.Select(o => o.Attempt is null ? (int?)null : o.Delivery.AttemptCount + 1), NpgsqlDbType.Integer),
                PgArray.Of("last_attempt_at", outcomes.Select(o => o.Attempt?.AttemptedAt), NpgsqlDbType.TimestampTz),
                PgArray.Of("last_status_code", outcomes.Select(o => o.Attempt?.StatusCode), NpgsqlDbType.Integer),
                PgArray.Of("last_error", outcomes.Select(o => o.Attempt?.ErrorCode), NpgsqlDbType.Text),
                PgArray.Of("status", outcomes.Select(o => Final(o.Kind) ? (o.Kind == OutcomeKind.Succeeded ? Delivery.Succeeded : Delivery.Dead) : null),
                    NpgsqlDbType.Text),
                PgArray.Of("completed_at", outcomes.Select(o => Final(o.Kind) ? now : (DateTime?)null), NpgsqlDbType.TimestampTz),
                PgArray.Of("round_failures", outcomes.Select(o => o.Kind is OutcomeKind.Dead or OutcomeKind.Gone or OutcomeKind.Retry
                    ? o.Delivery.RoundFailures + 1 : (int?)null), NpgsqlDbType.Integer),
                PgArray.Of("next_attempt_at", outcomes.Select(o => o.Kind is OutcomeKind.Retry or OutcomeKind.Deferred ? o.NextAttemptAt : null),
                    NpgsqlDbType.TimestampTz),
                PgArray.Of("a_id", attempts.Select(a => a.Id), NpgsqlDbType.Text),
                PgArray.Of("a_tenant_id", attempts.Select(a => a.TenantId), NpgsqlDbType.Text),
                PgArray.Of("a_delivery_id", attempts.Select(a => a.DeliveryId), NpgsqlDbType.Text),
                PgArray.Of("a_endpoint_id", attempts.Select(a => a.EndpointId), NpgsqlDbType.Text),
                PgArray.Of("a_attempted_at", attempts.Select(a => a.AttemptedAt), NpgsqlDbType.TimestampTz),
                PgArray.Of("a_status_code", attempts.Select(a => a.StatusCode), NpgsqlDbType.Integer),
                PgArray.Of("a_latency_ms", attempts.Select(a => a.LatencyMs), NpgsqlDbType.Integer),
                PgArray.Of("a_response_excerpt", attempts.Select(a => a.ResponseExcerpt), NpgsqlDbType.Text),
                PgArray.Of("a_error_code", attempts.Select(a => a.ErrorCode), NpgsqlDbType.Text),
                PgArray.Of("a_error_detail", attempts.Select(a => a.ErrorDetail), NpgsqlDbType.Text),
            ], ct);
        }
        catch (NpgsqlException e)
        {
            throw new DbUpdateException($"Recording {outcomes.Count} delivery outcomes failed: {e.Message}", e);
        }
    }

    static bool Final(OutcomeKind kind) => kind is OutcomeKind.Succeeded or OutcomeKind.Dead or OutcomeKind.Gone;
}
