using System.ComponentModel.DataAnnotations;

namespace Keel.Webhooks;

public sealed record DeliveryView(
    string Id, string EventId, string EndpointId, string EventType,
    [property: AllowedValues(Delivery.Pending, Delivery.Succeeded, Delivery.Dead)] string Status, int AttemptCount,
    DateTime? NextAttemptAt, DateTime? LastAttemptAt, int? LastStatusCode, string? LastError, DateTime CreatedAt, DateTime? CompletedAt)
{
    public static DeliveryView From(Delivery d) => new(
        d.Id, d.EventId, d.EndpointId, d.EventType, d.Status, d.AttemptCount,
        d.Status == Delivery.Pending ? d.NextAttemptAt : null, d.LastAttemptAt, d.LastStatusCode, d.LastError, d.CreatedAt, d.CompletedAt);
}

public sealed record AttemptView(
    string Id, string DeliveryId, string EndpointId, DateTime AttemptedAt, int? StatusCode, int LatencyMs,
    string? ResponseExcerpt, string? ErrorCode, string? ErrorDetail)
{
    public static AttemptView From(DeliveryAttempt a) => new(
        a.Id, a.DeliveryId, a.EndpointId, a.AttemptedAt, a.StatusCode, a.LatencyMs, a.ResponseExcerpt, a.ErrorCode, a.ErrorDetail);
}

/// <summary>Which deliveries a bulk re-dispatch takes: dead ones, narrowed by endpoint, type and creation time.</summary>
public sealed record BulkRedispatchRequest(string? EndpointId, string? EventType, DateTimeOffset? From, DateTimeOffset? To);

public sealed record BulkRedispatchResult(int Redispatched);
