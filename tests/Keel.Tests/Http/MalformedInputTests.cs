using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Http;

/// <summary>
/// Each kind of bad request gets its own catalogued problem, and none gets a 500 or a stack trace
/// (<see cref="Infrastructure.Http.Problem"/> checks the shape of every problem).
/// </summary>
public abstract class MalformedInputTests(KeelFixture fixture)
{
    const int OneMiB = 1024 * 1024;

    [Theory]
    [InlineData("{ not json")]
    [InlineData("{\"name\": \"x\"")]
    [InlineData("{\"name\": \"x\",}")]
    [InlineData("{'name': 'x'}")]
    [InlineData("nul")]
    [InlineData("{\"name\": \"x\"} trailing")]
    public async Task CreateKey_BrokenJson_IsMalformedJson(string body)
    {
        var tenant = await fixture.NewTenantAsync();

        var problem = await (await tenant.Owner.PostRaw("/v1/keys", body)).Problem(HttpStatusCode.BadRequest, "validation.malformed_json");

        Assert.Contains("not valid JSON", problem.Str("detail"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/keys", "{\"name\": 5}", "name")]
    [InlineData("/v1/keys", "{\"name\": \"x\", \"scopes\": \"x\"}", "scopes")]
    [InlineData("/v1/keys", "{\"name\": \"x\", \"scopes\": [1]}", "scopes[0]")]
    [InlineData("/v1/keys", "{\"name\": \"x\", \"expires_at\": \"tomorrow\"}", "expires_at")]
    [InlineData("/v1/keys", "{\"name\": [\"x\"]}", "name")]
    [InlineData("/v1/keys/verify", "{\"key\": \"k\", \"cost\": \"1\"}", "cost")]
    [InlineData("/v1/keys/verify", "{\"key\": \"k\", \"cost\": 1.5}", "cost")]
    [InlineData("/v1/keys/verify", "{\"key\": true}", "key")]
    public async Task Post_WrongJsonType_IsInvalidTypeNamingField(string url, string body, string field)
    {
        var tenant = await fixture.NewTenantAsync();

        var problem = await (await tenant.Owner.PostRaw(url, body)).Problem(HttpStatusCode.BadRequest, "validation.invalid_type");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Theory]
    [InlineData("{\"name\": 5}", "name")]
    [InlineData("{\"scopes\": \"x\"}", "scopes")]
    [InlineData("{\"expires_at\": 12}", "expires_at")]
    public async Task PatchKey_WrongJsonType_IsInvalidTypeNamingField(string body, string field)
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await (await tenant.Owner.PostJson("/v1/keys", new { name = "customer" })).Json(HttpStatusCode.Created);

        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await tenant.Owner.PatchAsync($"/v1/keys/{key.Str("id")}", content);
        var problem = await response.Problem(HttpStatusCode.BadRequest, "validation.invalid_type");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task CreateKey_RootIsAnArray_IsInvalidType()
    {
        var tenant = await fixture.NewTenantAsync();

        await (await tenant.Owner.PostRaw("/v1/keys", "[{\"name\": \"x\"}]")).Problem(HttpStatusCode.BadRequest, "validation.invalid_type");
    }

    [Theory]
    [InlineData("/v1/keys", "{\"name\": \"x\", \"nmae\": \"typo\"}", "nmae")]
    [InlineData("/v1/keys/verify", "{\"key\": \"k\", \"scope\": [\"a\"]}", "scope")]
    [InlineData("/v1/tenants", "{\"name\": \"x\", \"slug\": \"ok-slug\", \"owner\": \"me\"}", "owner")]
    public async Task Post_UnknownField_IsUnknownFieldNamingIt(string url, string body, string field)
    {
        var tenant = await fixture.NewTenantAsync();
        var client = url == "/v1/tenants" ? fixture.Admin : tenant.Owner;

        var problem = await (await client.PostRaw(url, body)).Problem(HttpStatusCode.BadRequest, "validation.unknown_field");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        Assert.Contains(field, problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateKey_EmptyJsonBody_IsBodyRequired()
    {
        var tenant = await fixture.NewTenantAsync();

        await (await tenant.Owner.PostRaw("/v1/keys", "")).Problem(HttpStatusCode.BadRequest, "validation.body_required");
    }

    [Fact]
    public async Task CreateKey_NoContentAtAll_IsBodyRequired()
    {
        var tenant = await fixture.NewTenantAsync();

        await (await tenant.Owner.PostAsync("/v1/keys", null)).Problem(HttpStatusCode.BadRequest, "validation.body_required");
    }

    [Fact]
    public async Task RotateKey_NoBody_UsesDefaultGrace()
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await (await tenant.Owner.PostJson("/v1/keys", new { name = "customer" })).Json(HttpStatusCode.Created);

        var successor = await (await tenant.Owner.PostAsync($"/v1/keys/{key.Str("id")}/rotate", null)).Json(HttpStatusCode.Created);

        Assert.Equal(key.Str("id"), successor.Str("rotated_from_id"));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    public async Task CreateKey_NonJsonContentType_IsUnsupportedMediaType(string contentType)
    {
        var tenant = await fixture.NewTenantAsync();

        await (await tenant.Owner.PostRaw("/v1/keys", "{\"name\": \"x\"}", contentType))
            .Problem(HttpStatusCode.UnsupportedMediaType, "validation.unsupported_media_type");

        var keys = await (await tenant.Owner.GetAsync("/v1/keys")).Json(HttpStatusCode.OK);
        Assert.Single(keys.GetProperty("data").EnumerateArray()); // only the owner key
    }

    [Fact]
    public async Task CreateKey_BodyOverOneMiBWithContentLength_IsBodyTooLarge()
    {
        var tenant = await fixture.NewTenantAsync();
        using var content = new StringContent(BigBody(OneMiB + 1), Encoding.UTF8, "application/json");
        Assert.Equal(OneMiB + 1, content.Headers.ContentLength);

        await (await tenant.Owner.PostAsync("/v1/keys", content)).Problem(HttpStatusCode.RequestEntityTooLarge, "validation.body_too_large");
    }

    [Fact]
    public async Task CreateKey_BodyOverOneMiBChunked_IsBodyTooLarge()
    {
        var tenant = await fixture.NewTenantAsync();
        using var content = new UnknownLengthContent(Encoding.UTF8.GetBytes(BigBody(OneMiB + 1)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/keys") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await tenant.Owner.SendAsync(request);

        await response.Problem(HttpStatusCode.RequestEntityTooLarge, "validation.body_too_large");
        var keys = await (await tenant.Owner.GetAsync("/v1/keys")).Json(HttpStatusCode.OK);
        Assert.Single(keys.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task CreateKey_BodyJustUnderOneMiBChunked_IsReadAndValidated()
    {
        var tenant = await fixture.NewTenantAsync();
        using var content = new UnknownLengthContent(Encoding.UTF8.GetBytes(BigBody(OneMiB - 16)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/keys") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var problem = await (await tenant.Owner.SendAsync(request)).Problem(HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _)); // read in full: the name is too long
    }

    /// <summary>A create-key body of exactly <paramref name="size"/> bytes: a very long name.</summary>
    static string BigBody(int size)
    {
        const string Head = "{\"name\": \"";
        const string Tail = "\"}";
        return Head + new string('a', size - Head.Length - Tail.Length) + Tail;
    }

    [Fact]
    public async Task CreateKey_InvalidFieldValues_ListsEveryInvalidField()
    {
        var tenant = await fixture.NewTenantAsync();

        var problem = await (await tenant.Owner.PostJson("/v1/keys", new
        {
            kind = "robot",
            name = "",
            owner_id = "",
            expires_at = DateTimeOffset.UtcNow.AddDays(-1),
            scopes = new[] { "" },
            meta = new[] { 1, 2 },
        })).Problem(HttpStatusCode.BadRequest, "validation.failed");

        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "kind", "name", "owner_id", "expires_at", "scopes", "meta" })
        {
            Assert.True(errors.TryGetProperty(field, out var messages), $"{field} missing in {problem.GetRawText()}");
            Assert.NotEmpty(messages.EnumerateArray());
        }
    }

    [Theory]
    [InlineData("{\"name\": \"x\", \"prefix\": \"keel_live\"}", "prefix")]
    [InlineData("{\"name\": \"x\", \"prefix\": \"Has Caps\"}", "prefix")]
    [InlineData("{\"name\": \"x\", \"role\": \"owner\"}", "role")]
    [InlineData("{\"kind\": \"management\", \"name\": \"x\"}", "role")]
    [InlineData("{\"kind\": \"management\", \"name\": \"x\", \"role\": \"superuser\"}", "role")]
    [InlineData("{\"kind\": \"management\", \"name\": \"x\", \"role\": \"viewer\", \"prefix\": \"acme\"}", "prefix")]
    [InlineData("{\"name\": \"x\", \"meta\": \"text\"}", "meta")]
    public async Task CreateKey_InvalidFieldValue_IsValidationFailedNamingField(string body, string field)
    {
        var tenant = await fixture.NewTenantAsync();

        var problem = await (await tenant.Owner.PostRaw("/v1/keys", body)).Problem(HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Theory]
    [InlineData("{\"grace_period_seconds\": -1}")]
    [InlineData("{\"grace_period_seconds\": 2592001}")]
    public async Task RotateKey_GraceOutOfRange_IsValidationFailed(string body)
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await (await tenant.Owner.PostJson("/v1/keys", new { name = "customer" })).Json(HttpStatusCode.Created);

        var problem = await (await tenant.Owner.PostRaw($"/v1/keys/{key.Str("id")}/rotate", body)).Problem(HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty("grace_period_seconds", out _));
    }

    [Theory]
    [InlineData("{\"key\": \"\"}", "key")]
    [InlineData("{}", "key")]
    [InlineData("{\"key\": \"k\", \"cost\": -1}", "cost")]
    public async Task VerifyKey_InvalidFieldValue_IsValidationFailed(string body, string field)
    {
        var tenant = await fixture.NewTenantAsync();

        var problem = await (await tenant.Owner.PostRaw("/v1/keys/verify", body)).Problem(HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Theory]
    [InlineData("GET", "/v1/nope")]
    [InlineData("GET", "/v2/keys")]
    [InlineData("POST", "/v1/keys/key_x/explode")]
    [InlineData("GET", "/")]
    public async Task Request_UnknownRoute_IsRouteNotFound(string method, string url)
    {
        var tenant = await fixture.NewTenantAsync();

        using var request = new HttpRequestMessage(new HttpMethod(method), url);

        await (await tenant.Owner.SendAsync(request)).Problem(HttpStatusCode.NotFound, "resource.route_not_found");
    }

    [Fact]
    public async Task Request_UnknownRouteWithoutCredentials_IsRouteNotFound()
    {
        using var anonymous = fixture.Node.ClientWith(null);

        await (await anonymous.GetAsync("/v1/nope")).Problem(HttpStatusCode.NotFound, "resource.route_not_found");
    }

    [Theory]
    [InlineData("PUT", "/v1/keys", "GET")]
    [InlineData("DELETE", "/v1/keys", "POST")]
    [InlineData("PUT", "/v1/keys/key_x", "PATCH")]
    [InlineData("GET", "/v1/keys/key_x/rotate", "POST")]
    [InlineData("POST", "/v1/roles", "GET")]
    public async Task Request_WrongMethod_IsMethodNotAllowedWithAllowHeader(string method, string url, string allowed)
    {
        var tenant = await fixture.NewTenantAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = JsonContent.Create(new { name = "x" }) };

        var response = await tenant.Owner.SendAsync(request);

        await response.Problem(HttpStatusCode.MethodNotAllowed, "resource.method_not_allowed");
        Assert.Contains(allowed, response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("PATCH", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/rotate")]
    public async Task KeyOfAnotherTenant_AnyMethod_IsNotFoundLikeAMissingKey(string method, string suffix)
    {
        var owner = await fixture.NewTenantAsync();
        var stranger = await fixture.NewTenantAsync();
        var key = await (await owner.Owner.PostJson("/v1/keys", new { name = "mine" })).Json(HttpStatusCode.Created);

        using var foreignRequest = KeyRequest(method, $"/v1/keys/{key.Str("id")}{suffix}");
        using var missingRequest = KeyRequest(method, $"/v1/keys/key_00000000000000000000000000{suffix}");

        var foreign = await (await stranger.Owner.SendAsync(foreignRequest)).Problem(HttpStatusCode.NotFound, "resource.not_found");
        var missing = await (await stranger.Owner.SendAsync(missingRequest)).Problem(HttpStatusCode.NotFound, "resource.not_found");

        Assert.Equal(missing.Str("detail"), foreign.Str("detail"));
        Assert.Equal(missing.Str("title"), foreign.Str("title"));
        var unchanged = await (await owner.Owner.GetAsync($"/v1/keys/{key.Str("id")}")).Json(HttpStatusCode.OK);
        Assert.Equal("mine", unchanged.Str("name"));
        Assert.Equal("active", unchanged.Str("status"));
        var verified = await (await owner.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key") })).Json(HttpStatusCode.OK);
        Assert.Equal("VALID", verified.Str("code"));
    }

    [Fact]
    public async Task VerifyKey_KeyOfAnotherTenant_IsNotFoundCode()
    {
        var owner = await fixture.NewTenantAsync();
        var stranger = await fixture.NewTenantAsync();
        var key = await (await owner.Owner.PostJson("/v1/keys", new { name = "mine" })).Json(HttpStatusCode.Created);

        var result = await (await stranger.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key") })).Json(HttpStatusCode.OK);

        Assert.False(result.GetProperty("valid").GetBoolean());
        Assert.Equal("NOT_FOUND", result.Str("code"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("key_id").ValueKind);
    }

    static HttpRequestMessage KeyRequest(string method, string url) => new(new HttpMethod(method), url)
    {
        Content = method switch
        {
            "PATCH" => JsonContent.Create(new { name = "stolen" }),
            "POST" => JsonContent.Create(new { grace_period_seconds = 0 }),
            _ => null,
        },
    };

    [Theory]
    [InlineData("/v1/keys?limit=0", "limit")]
    [InlineData("/v1/keys?limit=201", "limit")]
    [InlineData("/v1/keys?limit=abc", "limit")]
    [InlineData("/v1/keys?limit=-5", "limit")]
    [InlineData("/v1/keys?limit=", "limit")]
    [InlineData("/v1/keys?cursor=garbage", "cursor")]
    [InlineData("/v1/keys?cursor=", "cursor")]
    [InlineData("/v1/keys?cursor=%FF%FE", "cursor")]
    [InlineData("/v1/tenants?limit=1000", "limit")]
    [InlineData("/v1/tenants?cursor=djE6", "cursor")]
    public async Task List_BadQueryParameter_IsInvalidQueryNamingIt(string url, string field)
    {
        var tenant = await fixture.NewTenantAsync();
        var client = url.StartsWith("/v1/tenants", StringComparison.Ordinal) ? fixture.Admin : tenant.Owner;

        var problem = await (await client.GetAsync(url)).Problem(HttpStatusCode.BadRequest, "validation.invalid_query");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task List_BadLimitAndCursor_NamesBoth()
    {
        var tenant = await fixture.NewTenantAsync();

        var problem = await (await tenant.Owner.GetAsync("/v1/keys?limit=0&cursor=garbage")).Problem(HttpStatusCode.BadRequest, "validation.invalid_query");

        Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _));
    }

    [Theory]
    [InlineData(65)]
    [InlineData(10_000)]
    public async Task CreateKey_DeeplyNestedMeta_IsMalformedJson(int depth)
    {
        var tenant = await fixture.NewTenantAsync();
        var meta = string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

        await (await tenant.Owner.PostRaw("/v1/keys", "{\"name\": \"x\", \"meta\": " + meta + "}")).Problem(HttpStatusCode.BadRequest, "validation.malformed_json");
    }

    [Fact]
    public async Task CreateKey_DeeplyNestedArrays_IsAProblemNotAServerError()
    {
        var tenant = await fixture.NewTenantAsync();
        var body = new string('[', 100_000) + new string(']', 100_000);

        var response = await tenant.Owner.PostRaw("/v1/keys", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CreateKey_NestedMetaWithinDepth_IsAccepted()
    {
        var tenant = await fixture.NewTenantAsync();
        var meta = string.Concat(Enumerable.Repeat("{\"a\":", 30)) + "1" + new string('}', 30);

        await (await tenant.Owner.PostRaw("/v1/keys", "{\"name\": \"x\", \"meta\": " + meta + "}")).Json(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("{\"name\": \"\\uD800\"}")]
    [InlineData("{\"name\": \"x\", \"name\": \"y\"}")]
    [InlineData("\uFEFF{\"name\": \"x\"}")]
    public async Task CreateKey_OddButWellFormedJson_NeverServerError(string body)
    {
        var tenant = await fixture.NewTenantAsync();

        var response = await tenant.Owner.PostRaw("/v1/keys", body);

        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (!response.IsSuccessStatusCode)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("POST", "/v1/keys", "{\"name\": \"x\\u0000y\"}")]
    [InlineData("POST", "/v1/keys", "{\"name\": \"x\", \"owner_id\": \"\\u0000\"}")]
    [InlineData("POST", "/v1/keys", "{\"name\": \"x\", \"scopes\": [\"a\\u0000\"]}")]
    [InlineData("POST", "/v1/keys", "{\"name\": \"x\", \"meta\": {\"a\": \"\\u0000\"}}")]
    [InlineData("POST", "/v1/keys/verify", "{\"key\": \"\\u0000\"}")]
    [InlineData("GET", "/v1/keys?owner_id=%00", null)]
    [InlineData("GET", "/v1/keys?kind=%00", null)]
    public async Task Request_NulCharacter_NeverServerError(string method, string url, string? body)
    {
        var tenant = await fixture.NewTenantAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"),
        };

        var response = await tenant.Owner.SendAsync(request);

        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("PATCH", "/v1/tenants/{id}", "{\"name\": \"a\\u0000b\"}")]
    [InlineData("POST", "/v1/tenants", "{\"name\": \"a\\u0000b\", \"slug\": \"{slug}\"}")]
    public async Task TenantRequest_NulCharacter_NeverServerError(string method, string url, string? body)
    {
        var tenant = await fixture.NewTenantAsync();
        var slug = "n-" + Guid.NewGuid().ToString("N")[..12];
        using var request = new HttpRequestMessage(new HttpMethod(method), url.Replace("{id}", tenant.Id, StringComparison.Ordinal))
        {
            Content = body is null ? null : new StringContent(body.Replace("{slug}", slug, StringComparison.Ordinal), Encoding.UTF8, "application/json"),
        };

        var response = await fixture.Admin.SendAsync(request);

        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("{\"name\": \"", "\"}")]
    [InlineData("{\"name\": \"x\", \"meta\": {\"a\": \"", "\"}}")]
    [InlineData("{\"name\": \"x\", \"meta\": {\"", "\": 1}}")]
    [InlineData("{\"name\": \"x\", \"scopes\": [\"", "\"]}")]
    public async Task CreateKey_InvalidUtf8_IsMalformedJson(string before, string after)
    {
        var tenant = await fixture.NewTenantAsync();
        using var content = new ByteArrayContent([.. Encoding.UTF8.GetBytes(before), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(after)]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        await (await tenant.Owner.PostAsync("/v1/keys", content)).Problem(HttpStatusCode.BadRequest, "validation.malformed_json");
    }

    /// <summary>A body whose length is not known up front, so it travels chunked.</summary>
    sealed class UnknownLengthContent : HttpContent
    {
        readonly byte[] _bytes;

        public UnknownLengthContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            // In pieces, as a client streaming a body would send it.
            for (var offset = 0; offset < _bytes.Length; offset += 64 * 1024)
            {
                await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(64 * 1024, _bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

public sealed class MalformedInputTests_Sqlite(SqliteFixture f) : MalformedInputTests(f), IClassFixture<SqliteFixture>;

public sealed class MalformedInputTests_Postgres(PostgresFixture f) : MalformedInputTests(f), IClassFixture<PostgresFixture>;
