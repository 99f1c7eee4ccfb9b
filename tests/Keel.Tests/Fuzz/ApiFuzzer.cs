using System.Text;
using System.Text.Json;
using Keel.Http;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Keel.Tests.Fuzz;

/// <summary>
/// Sends hostile requests to every write route of a node, in batches, each batch in a tenant of its
/// own with an owner and a viewer key; after each batch it reads every list route and every item it
/// made, so data a write stored cannot break a read unnoticed. Every answer is checked as it comes.
/// </summary>
public sealed class ApiFuzzer
{
    static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);
    const int ItemReadsPerRoute = 8;

    /// <summary>Problems about a request body: a request that sent none cannot deserve them.</summary>
    static readonly HashSet<string> BodyCodes =
        ["validation.malformed_json", "validation.invalid_type", "validation.unknown_field", "validation.unsupported_media_type", "validation.body_too_large"];

    readonly KeelNode _node;
    readonly FuzzSettings _settings;
    readonly FuzzReport _report;
    readonly HashSet<string> _protected = [];
    readonly Dictionary<ApiRoute, HashSet<string>> _allowed = [];
    readonly List<(ApiRoute Route, string Request)> _batchWrites = [];
    readonly List<HttpClient> _clients = [];
    ApiSurface _surface = null!;
    HashSet<string> _codes = null!;
    long _maxBodyBytes;
    Party _admin = null!;
    IdPool _foreign = null!;
    int _batch;
    int _index;

    public ApiFuzzer(KeelNode node, FuzzSettings settings)
    {
        _node = node;
        _settings = settings;
        _report = new FuzzReport(settings);
    }

    IEnumerable<ApiRoute> Writes => _surface.Routes.Where(r => !r.IsRead);

    IEnumerable<ApiRoute> Reads => _surface.Routes.Where(r => r.IsRead);

    public async Task<FuzzReport> RunAsync()
    {
        try
        {
            return await FuzzAsync();
        }
        finally
        {
            _clients.ForEach(c => c.Dispose());
        }
    }

    async Task<FuzzReport> FuzzAsync()
    {
        _admin = new Party("admin", Client(KeelFixture.AdminToken), new IdPool(_protected));
        _surface = await ApiSurface.ReadAsync(_admin.Client);
        var catalog = JsonDocument.Parse(await _admin.Client.GetStringAsync("/v1/errors")).RootElement;
        _codes = [.. catalog.GetProperty("data").EnumerateArray().Select(e => e.Str("code"))];
        _maxBodyBytes = _node.Services.GetRequiredService<IOptions<HttpOptions>>().Value.MaxRequestBodyBytes;

        // The other tenant: its ids fill path parameters, where none of them may answer a success.
        _batch = -1;
        var (foreignOwner, foreignViewer) = await NewTenantAsync("foreign");
        _foreign = foreignOwner.Pool;
        await ProbeAsync(foreignOwner, foreignViewer);
        await PrimeAsync(new Random(_settings.Seed), foreignOwner);

        // Batch 0 is the same in every run: the depth limit in every object field of every seed.
        _batch = 0;
        await RunBatchAsync(_settings.BatchRandom(0), DepthLimitWritesAsync);
        var remaining = _settings.Iterations;
        for (_batch = 1; remaining > 0; _batch++)
        {
            var writes = Math.Min(FuzzSettings.BatchSize, remaining);
            remaining -= writes;
            await RunBatchAsync(_settings.BatchRandom(_batch), (random, parties) => RandomWritesAsync(random, parties, writes));
        }

        using var live = await _admin.Client.GetAsync("/health/live");
        if (live.StatusCode != System.Net.HttpStatusCode.OK)
        {
            _report.Add(new Violation("GET /health/live", "process not live after the fuzz", "GET /health/live", $"{(int)live.StatusCode}"));
        }
        return _report;
    }

    /// <summary>A batch: a new tenant with one of everything, the writes, then every read.</summary>
    async Task RunBatchAsync(Random random, Func<Random, Party[], Task> writes)
    {
        var (owner, viewer) = await NewTenantAsync($"batch {_batch}");
        Party[] parties =
        [
            _admin, owner, viewer,
            new("anonymous", Client(null), owner.Pool), new("bogus bearer", Client("keel_sk_fuzzNotAKeyAtAll0000000000000000"), owner.Pool),
        ];
        _batchWrites.Clear();
        _index = 0;
        await PrimeAsync(random, owner);
        await writes(random, parties);
        await ReadEverythingAsync(random, [_admin, owner, viewer]);
    }

    async Task RandomWritesAsync(Random random, Party[] parties, int count)
    {
        var routes = Writes.ToList();
        for (var i = 0; i < count; i++)
        {
            var route = routes[random.Next(routes.Count)];
            var allowed = parties.Where(p => _allowed[route].Contains(p.Name)).ToList();
            var party = allowed.Count > 0 && random.Next(100) < 85 ? allowed[random.Next(allowed.Count)] : parties[random.Next(parties.Length)];
            var (url, foreignId) = FuzzParameters.Fill(random, route, party.Pool, _foreign);
            var seed = SeedBodies.For(route.BodySchema, _surface, random, party.Pool);
            var body = route.TakesBody || random.Next(5) == 0 ? HostileBodies.Make(random, seed, _maxBodyBytes) : FuzzBody.None;
            await SendAsync(new(party, route, url, body, Purpose.Write) { ForeignId = foreignId, Headers = FuzzParameters.Headers(random, route) });
        }
    }

    /// <summary>Every seeded write route, by the owner (or the admin where only it may), with <see cref="HostileBodies.AtDepthLimit"/> bodies.</summary>
    async Task DepthLimitWritesAsync(Random random, Party[] parties)
    {
        foreach (var route in Writes.Where(r => r.BodySchema is not null))
        {
            if (new[] { "owner", "admin" }.Select(n => parties.First(p => p.Name == n)).FirstOrDefault(p => _allowed[route].Contains(p.Name)) is not { } party)
            {
                continue;
            }
            var ids = party.Pool.For(route.Collection);
            var url = route.PathParameters.Aggregate(route.Template, (u, p) =>
                u.Replace("{" + p + "}", Uri.EscapeDataString(ids.Count > 0 ? ids[0] : "none"), StringComparison.Ordinal));
            foreach (var body in HostileBodies.AtDepthLimit(SeedBodies.For(route.BodySchema, _surface, random, party.Pool)!))
            {
                await SendAsync(new(party, route, url, body, Purpose.Write));
            }
        }
    }

    /// <summary>A new tenant with an owner key (from its creation) and a viewer key; none of their ids is ever a target.</summary>
    async Task<(Party Owner, Party Viewer)> NewTenantAsync(string name)
    {
        var slug = "fuzz-" + Guid.NewGuid().ToString("N")[..12];
        using var tenantBody = Utf8($"{{\"name\":\"Fuzz {name}\",\"slug\":\"{slug}\"}}");
        using var created = await _admin.Client.PostAsync("/v1/tenants", tenantBody);
        var tenant = await created.Json(System.Net.HttpStatusCode.Created);
        var management = tenant.GetProperty("management_key");
        var owner = Client(management.Str("key"));
        using var viewerBody = Utf8("{\"kind\":\"management\",\"role\":\"viewer\",\"name\":\"fuzz viewer\"}");
        using var made = await owner.PostAsync("/v1/keys", viewerBody);
        var viewerKey = await made.Json(System.Net.HttpStatusCode.Created);
        _protected.UnionWith([tenant.Str("id"), management.Str("id"), viewerKey.Str("id")]);
        var pool = new IdPool(_protected);
        return (new Party("owner", owner, pool), new Party("viewer", Client(viewerKey.Str("key")), pool));
    }

    /// <summary>Which of admin, owner and viewer get past authentication and authorization on each route (not 401 or 403).</summary>
    async Task ProbeAsync(Party owner, Party viewer)
    {
        foreach (var route in _surface.Routes)
        {
            _allowed[route] = [];
            var url = route.PathParameters.Aggregate(route.Template, (u, p) => u.Replace("{" + p + "}", "fuzz-probe", StringComparison.Ordinal));
            foreach (var party in new[] { _admin, owner, viewer })
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), url);
                using var response = await party.Client.SendAsync(request);
                if ((int)response.StatusCode is not (401 or 403))
                {
                    _allowed[route].Add(party.Name);
                }
            }
        }
    }

    /// <summary>
    /// Sends each create route's valid seed once, then reads every list: the tenant then holds one of
    /// everything, whose ids fill path parameters. A written seed Keel refuses is reported: the fuzz
    /// would mutate an invalid body (one made from the schema of a new route is only a best guess).
    /// </summary>
    async Task PrimeAsync(Random random, Party owner)
    {
        foreach (var route in Writes.Where(r => r.PathParameters.Count == 0 && r.BodySchema is not null))
        {
            var party = _allowed[route].Contains("owner") ? owner : _admin;
            var seed = SeedBodies.For(route.BodySchema, _surface, random, party.Pool)!;
            var status = await SendAsync(new(party, route, route.Template, new FuzzBody(Encoding.UTF8.GetBytes(seed.ToJsonString()), "application/json", false, "seed"), Purpose.Seed));
            if (status is not (>= 200 and < 300) && SeedBodies.IsWritten(route.BodySchema!))
            {
                _report.Add(new Violation(route.ToString(), "seed body refused", $"{party.Name} {route.Template} {seed.ToJsonString()}", $"{status}"));
            }
        }
        foreach (var route in Reads.Where(r => r.PathParameters.Count == 0 && _allowed[r].Contains("owner")))
        {
            await SendAsync(new(owner, route, route.Template, FuzzBody.None, Purpose.ListRead));
        }
    }

    async Task ReadEverythingAsync(Random random, Party[] parties)
    {
        foreach (var route in Reads)
        {
            var allowed = parties.Where(p => _allowed[route].Contains(p.Name)).ToList();
            if (allowed.Count == 0)
            {
                continue;
            }
            if (route.PathParameters.Count == 0)
            {
                foreach (var party in allowed)
                {
                    await SendAsync(new(party, route, route.Template, FuzzBody.None, Purpose.ListRead));
                }
                if (route.QueryParameters.Count > 0)
                {
                    await SendAsync(new(allowed[random.Next(allowed.Count)], route, route.Template + FuzzParameters.Query(random, route), FuzzBody.None, Purpose.Read));
                }
                continue;
            }
            var reader = allowed.FirstOrDefault(p => p.Name == "owner") ?? allowed[0];
            foreach (var id in reader.Pool.For(route.Collection).TakeLast(ItemReadsPerRoute))
            {
                var url = route.Template.Replace("{" + route.PathParameters[0] + "}", Uri.EscapeDataString(id), StringComparison.Ordinal);
                url = route.PathParameters.Skip(1).Aggregate(url, (u, p) => u.Replace("{" + p + "}", Uri.EscapeDataString(FuzzParameters.PathValue(random, route, reader.Pool, _foreign)), StringComparison.Ordinal));
                await SendAsync(new(reader, route, url, FuzzBody.None, Purpose.Read) { Context = reader.Pool.OriginOf(id) is { } origin ? $"{id} was made by {origin}" : null });
            }
        }
    }

    /// <summary>Sends one request, checks the answer and learns the ids in it; returns the status (0 when none came).</summary>
    async Task<int> SendAsync(FuzzRequest r)
    {
        var (party, route, body) = (r.Party, r.Route, r.Body);
        var headers = string.Concat(r.Headers.Select(h => $" {h.Key}: {HostileValues.Excerpt(h.Value, 40)};"));
        var label = $"#{_batch}.{_index++} {party.Name} {route.Method} {HostileValues.Excerpt(r.Url, 120)}{headers} [{body.What}]";
        var request = $"{label} {Excerpt(body.Bytes)}";
        using var message = new HttpRequestMessage(new HttpMethod(route.Method), r.Url) { Content = Content(body) };
        message.Headers.TransferEncodingChunked = body.Chunked;
        foreach (var (name, value) in r.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        int status;
        string text;
        string? media;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using var response = await party.Client.SendAsync(message);
            status = (int)response.StatusCode;
            media = response.Content.Headers.ContentType?.MediaType;
            text = await response.Content.ReadAsStringAsync();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or InvalidOperationException)
        {
            _report.Add(new Violation(route.ToString(), "no answer", request, $"{e.GetType().Name}: {e.Message}", r.Context));
            return 0;
        }
        _report.Count(route.ToString(), status, clock.Elapsed);
        var wrong = r.ForeignId is not null && status is >= 200 and < 300
            ? $"another tenant's {r.ForeignId} answered {status}"
            : Check(status, media, text, body, r.Purpose);
        if (wrong is not null)
        {
            _report.Add(new Violation(route.ToString(), wrong, request, $"{status} {media} {HostileValues.Excerpt(text, 400)}",
                r.Context ?? (route.IsRead ? StoredBy(route) : null)));
        }
        if (status is >= 200 and < 300 && media?.Contains("json", StringComparison.Ordinal) == true && text.Length > 0)
        {
            party.Pool.Learn(route, JsonDocument.Parse(text).RootElement.Clone(), label);
            if (r.Purpose == Purpose.Write)
            {
                _batchWrites.Add((route, label));
            }
        }
        return status;
    }

    /// <summary>
    /// What is wrong with an answer, or null: no 5xx, no stack trace, every non-2xx a catalogued
    /// problem, no complaint about a body that was never sent, and every plain list read a success.
    /// </summary>
    string? Check(int status, string? media, string text, FuzzBody body, Purpose purpose)
    {
        if (status >= 500)
        {
            return $"HTTP {status}";
        }
        if (text.Contains("   at ", StringComparison.Ordinal) || text.Contains("Exception", StringComparison.Ordinal))
        {
            return "stack trace text in the body";
        }
        if (status is >= 200 and < 300)
        {
            return null;
        }
        if (media != "application/problem+json")
        {
            return $"{status} is not problem+json";
        }
        string? code;
        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            code = problem.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (!problem.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.Number || s.GetInt32() != status)
            {
                return $"{status} whose problem says another status";
            }
        }
        catch (JsonException)
        {
            return $"{status} problem+json that is not JSON";
        }
        if (code is null || !_codes.Contains(code))
        {
            return $"{status} with code '{code}', not in the catalog";
        }
        if (body.Bytes is null && BodyCodes.Contains(code))
        {
            return $"{status} {code} for a request without a body";
        }
        return purpose == Purpose.ListRead ? $"list read failed: {status} {code}" : null;
    }

    /// <summary>
    /// For a failed read: the successful writes of this batch, the likeliest culprits first (deep
    /// bodies, then writes to the same collection), since Keel also stores data in other collections (its own events).
    /// </summary>
    string? StoredBy(ApiRoute read)
    {
        var writes = _batchWrites
            .OrderByDescending(w => w.Request.Contains("nested", StringComparison.Ordinal))
            .ThenByDescending(w => w.Route.Collection == read.Collection)
            .Select(w => w.Request).ToList();
        return writes.Count == 0 ? null : $"{writes.Count} writes stored data in this batch: " + string.Join(" | ", writes.Take(6));
    }

    HttpClient Client(string? secret)
    {
        var client = _node.ClientWith(secret);
        client.Timeout = RequestTimeout;
        _clients.Add(client);
        return client;
    }

    static StringContent Utf8(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    static HttpContent? Content(FuzzBody body)
    {
        if (body.Bytes is null)
        {
            return null;
        }
        HttpContent content = body.Chunked ? new StreamContent(new OneWayStream(body.Bytes)) : new ByteArrayContent(body.Bytes);
        if (body.ContentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
        }
        return content;
    }

    static string Excerpt(byte[]? bytes)
    {
        if (bytes is null || bytes.Length == 0)
        {
            return "";
        }
        var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 200));
        var shown = new StringBuilder();
        foreach (var c in text)
        {
            shown.Append(char.IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString());
        }
        return bytes.Length > 200 ? $"{shown}... ({bytes.Length} bytes)" : shown.ToString();
    }

    /// <summary>A body stream without a length, so the client sends it chunked.</summary>
    sealed class OneWayStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
