using System.Diagnostics;
using System.Net;
using System.Text;
using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

/// <summary>
/// Sends one attempt: opens the endpoint's secrets, signs the body, posts it with a timeout, and judges the
/// answer. Whatever goes wrong on the way is a failed attempt of this delivery alone, retried on the schedule.
/// </summary>
internal sealed partial class DeliverySender(
    WebhookClient client, SecretKeeper keeper, TimeProvider time, IOptions<WebhooksOptions> options, WebhookMetrics metrics,
    ILogger<DeliverySender> logger)
{
    readonly RetryPolicy _retry = new(options.Value);

    public async Task<AttemptOutcome> SendAsync(
        Delivery delivery, WebhookEndpoint endpoint, IReadOnlyList<EndpointSecret> secrets, byte[] body, CancellationToken ct)
    {
        var started = time.GetUtcNow().UtcDateTime;
        if (delivery.AttemptCount == 0)
        {
            metrics.FirstAttempt(started - delivery.CreatedAt);
        }
        var clock = Stopwatch.StartNew();
        int? status = null;
        string? excerpt = null, error = null, detail = null;
        TimeSpan? retryAfter = null;
        if (secrets.Count == 0)
        {
            // Cannot happen through the API (every endpoint has a current secret); never send unsigned.
            error = AttemptErrors.NoSecret;
            detail = "The endpoint has no live signing secret.";
        }
        else if (!keeper.TryOpen(secrets, out var keys))
        {
            SecretUnreadable(logger, delivery.EndpointId, delivery.Id);
            error = AttemptErrors.SecretUnreadable;
            detail = "A live signing secret of the endpoint does not decrypt with the master key of the worker that sent this attempt.";
        }
        else
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Value.AttemptTimeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
                var timestamp = new DateTimeOffset(started).ToUnixTimeSeconds();
                request.Content.Headers.ContentType = new("application/json");
                request.Headers.TryAddWithoutValidation("webhook-id", delivery.EventId);
                request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.TryAddWithoutValidation("webhook-signature",
                    WebhookSigner.Sign(delivery.EventId, timestamp, body, keys, endpoint.SignatureVersions));
                var opened = WebhookHttp.WatchOpenedNetworks();
                using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                status = (int)response.StatusCode;
                // A receiver in a range the operator opened answers from inside their network: a tenant that could
                // read its body could read any service there.
                excerpt = opened.Reached && !options.Value.StoreResponsesFromAllowedNetworks
                    ? null
                    : await ReadExcerptAsync(response, timeout.Token);
                if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
                {
                    retryAfter = RetryPolicy.ParseRetryAfter(response.Headers.RetryAfter, started);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                error = AttemptErrors.Timeout;
                detail = $"No answer within {options.Value.AttemptTimeout.TotalSeconds:0.###} s.";
            }
            catch (Exception e) when (WebhookHttp.IsDestinationForbidden(e))
            {
                error = AttemptErrors.DestinationForbidden;
                detail = Truncate(Innermost(e).Message);
            }
            catch (HttpRequestException e)
            {
                error = AttemptErrors.ConnectionFailed;
                detail = Truncate(Innermost(e).Message);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UriFormatException)
            {
                error = AttemptErrors.SendFailed;
                detail = Truncate(e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug, or a row this release cannot use (a signature version it does not know). Recorded like any
                // failure, it follows the schedule; unrecorded, its lease would bring it back forever.
                InternalError(logger, delivery.Id, e);
                error = AttemptErrors.InternalError;
                detail = "Keel failed to sign or send this attempt; the cause is in its log.";
            }
        }
        var elapsed = clock.Elapsed;
        var now = time.GetUtcNow().UtcDateTime;
        var attempt = new DeliveryAttempt
        {
            Id = Ids.New("att"),
            TenantId = delivery.TenantId,
            DeliveryId = delivery.Id,
            EndpointId = delivery.EndpointId,
            AttemptedAt = started,
            StatusCode = status,
            LatencyMs = (int)Math.Min(int.MaxValue, elapsed.TotalMilliseconds),
            ResponseExcerpt = excerpt,
            ErrorCode = error,
            ErrorDetail = detail,
        };
        var outcome = status switch
        {
            >= 200 and < 300 => new AttemptOutcome(delivery, attempt, OutcomeKind.Succeeded, null),
            410 => new AttemptOutcome(delivery, attempt, OutcomeKind.Gone, null),
            _ => _retry.NextAttempt(delivery.RoundFailures + 1, now, retryAfter, Random.Shared) is { } next
                ? new AttemptOutcome(delivery, attempt, OutcomeKind.Retry, next)
                : new AttemptOutcome(delivery, attempt, OutcomeKind.Dead, null),
        };
        metrics.Attempted(outcome.Kind, elapsed);
        return outcome;
    }

    /// <summary>Reads at most 4 KB of the answer; a receiver that streams forever cannot hold the worker.</summary>
    static async Task<string?> ReadExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[DeliveryAttempt.MaxExcerptBytes];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), ct) is var n and > 0)
        {
            read += n;
        }
        if (read == 0)
        {
            return null;
        }
        // Cut at a character boundary and drop NULs, which PostgreSQL text cannot hold.
        return Encoding.UTF8.GetString(buffer, 0, read).TrimEnd('\uFFFD').Replace("\0", "", StringComparison.Ordinal);
    }

    static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    static string Truncate(string text) => text.Length <= 500 ? text : text[..500];

    [LoggerMessage(EventId = 48, Level = LogLevel.Error,
        Message = "A signing secret of webhook endpoint {EndpointId} does not decrypt with this node's master key; delivery {DeliveryId} fails its attempt")]
    static partial void SecretUnreadable(ILogger logger, string endpointId, string deliveryId);

    [LoggerMessage(EventId = 50, Level = LogLevel.Error, Message = "Signing or sending delivery {DeliveryId} failed unexpectedly; recorded as a failed attempt")]
    static partial void InternalError(ILogger logger, string deliveryId, Exception exception);
}
