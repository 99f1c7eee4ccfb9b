using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Keel.Bench;

/// <summary>
/// Publishes numbered events (<c>POST /v1/events</c>) and keeps, per number, the event id Keel answered with
/// and the <see cref="Stopwatch"/> timestamps the request was scheduled at (open loop), sent at and answered
/// at, so that each arrival at a receiver can be matched to its publish.
/// </summary>
public sealed class EventPublisher
{
    static readonly Uri Path = new("/v1/events", UriKind.Relative);
    static readonly MediaTypeHeaderValue Json = new("application/json");
    readonly HttpClient _client;
    readonly string _authorization;
    readonly string _type;
    readonly int _payloadBytes;

    /// <param name="client">A client for Keel.</param>
    /// <param name="managementKey">The tenant's key with <c>webhooks:write</c>.</param>
    /// <param name="type">The event type of every event.</param>
    /// <param name="events">How many events (numbered 0 to events - 1).</param>
    /// <param name="payloadBytes">Size of each payload's JSON.</param>
    public EventPublisher(HttpClient client, string managementKey, string type, int events, int payloadBytes)
    {
        _client = client;
        _authorization = "Bearer " + managementKey;
        _type = type;
        _payloadBytes = payloadBytes;
        Ids = new string?[events];
        Scheduled = new long[events];
        Sent = new long[events];
        Answered = new long[events];
    }

    public string?[] Ids { get; }

    public long[] Scheduled { get; }

    public long[] Sent { get; }

    public long[] Answered { get; }

    /// <summary>The payload of event <paramref name="number"/>: <paramref name="bytes"/> of JSON (at least 80).</summary>
    public static string Payload(long number, int bytes)
    {
        var bare = $$"""{"order_id":"ord_{{number:D10}}","amount_cents":4200,"currency":"eur","note":""}""";
        return bare.Insert(bare.Length - 2, new string('x', Math.Max(0, bytes - bare.Length)));
    }

    /// <summary>Publishes event <paramref name="number"/>; null when Keel answered 202 with its id, else what went wrong.</summary>
    public async Task<string?> PublishAsync(long number, long scheduled, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Path);
        request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes($$"""{"type":"{{_type}}","payload":{{Payload(number, _payloadBytes)}}}"""));
        request.Content.Headers.ContentType = Json;
        Scheduled[number] = scheduled;
        Sent[number] = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _client.SendAsync(request, ct);
            var answer = await response.Content.ReadAsByteArrayAsync(ct);
            Answered[number] = Stopwatch.GetTimestamp();
            if ((int)response.StatusCode != 202)
            {
                return $"HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer, 0, Math.Min(answer.Length, 200))}";
            }
            using var document = JsonDocument.Parse(answer);
            Ids[number] = document.RootElement.GetProperty("id").GetString();
            return Ids[number] is null ? "202 without an id" : null;
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return "timed out";
        }
    }
}
