using System.Net;
using Keel.Http;
using Keel.Keys;
using Keel.Tenants;
using Keel.Tests.Infrastructure;
using Keel.Webhooks;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Http;

/// <summary><c>X-Content-Type-Options: nosniff</c> on every answer; <c>Cache-Control: no-store</c> on every answer that shows a secret.</summary>
public abstract class SecurityHeadersTests(WebhookFixture fixture)
{
    static readonly Type[] SecretViews = [typeof(CreatedTenantView), typeof(ManagementKeySecret), typeof(CreatedKeyView), typeof(EndpointWithSecretView), typeof(EndpointSecretView)];

    [Fact]
    public void RoutesAnsweringASecret_AreExactlyTheNoStoreOnes()
    {
        var routes = fixture.Node.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

        var showing = routes.Where(r => r.Metadata.OfType<IProducesResponseTypeMetadata>().Any(p => p.StatusCode < 300 && SecretViews.Contains(p.Type)));
        var noStore = routes.Where(r => r.Metadata.GetMetadata<ShowsSecretMetadata>() is not null);

        string[] expected =
        [
            "GET /v1/keys/{id}/successor-secret", "GET /v1/webhooks/endpoints/{id}/secret", "POST /v1/keys/", "POST /v1/keys/{id}/rotate",
            "POST /v1/tenants/", "POST /v1/tenants/{id}/owner-keys", "POST /v1/webhooks/endpoints/", "POST /v1/webhooks/endpoints/{id}/secret/rotate",
        ];
        Assert.Equal(expected, Names(showing));
        Assert.Equal(expected, Names(noStore));
    }

    [Fact]
    public async Task AnswersShowingASecret_AreNoStore_OthersAreNot()
    {
        var created = await fixture.Admin.PostJson("/v1/tenants", new { name = "Cache test", slug = "c-" + Guid.NewGuid().ToString("N")[..12] });
        var tenant = await created.Json(HttpStatusCode.Created);
        using var owner = fixture.Node.ClientWith(tenant.GetProperty("management_key").Str("key"));
        var recovery = await fixture.Admin.PostAsync($"/v1/tenants/{tenant.Str("id")}/owner-keys", null);
        var key = await owner.PostJson("/v1/keys", new { name = "Customer" });
        var keyId = (await key.Json(HttpStatusCode.Created)).Str("id");
        var rotated = await owner.PostJson($"/v1/keys/{keyId}/rotate", new { grace_period_seconds = 60 });
        var endpoint = await owner.PostJson("/v1/webhooks/endpoints", new { url = "http://127.0.0.1:9/hook", event_types = new[] { "nothing.here" } });
        var endpointId = (await endpoint.Json(HttpStatusCode.Created)).Str("id");

        var secretAnswers = new[]
        {
            (created, HttpStatusCode.Created), (recovery, HttpStatusCode.Created), (key, HttpStatusCode.Created), (rotated, HttpStatusCode.Created),
            (endpoint, HttpStatusCode.Created),
            (await owner.GetAsync($"/v1/webhooks/endpoints/{endpointId}/secret"), HttpStatusCode.OK),
            (await owner.PostJson($"/v1/webhooks/endpoints/{endpointId}/secret/rotate", new { grace_period_seconds = 60 }), HttpStatusCode.OK),
            // Rotated by hand, so its answer showed the secret: this route has none left, and says so uncached too.
            (await owner.GetAsync($"/v1/keys/{keyId}/successor-secret"), HttpStatusCode.Gone),
        };
        foreach (var (answer, status) in secretAnswers)
        {
            await answer.Json(status);
            Assert.True(answer.Headers.CacheControl?.NoStore == true, $"{answer.RequestMessage!.Method} {answer.RequestMessage.RequestUri}: {answer.Headers.CacheControl}");
        }
        var plain = await owner.GetAsync($"/v1/keys/{keyId}");
        await plain.Json(HttpStatusCode.OK);
        Assert.NotEqual(true, plain.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task EveryAnswer_IsNoSniff()
    {
        var tenant = await fixture.NewTenantAsync();
        using var anonymous = fixture.Node.ClientWith(null);

        HttpResponseMessage[] answers =
        [
            await anonymous.GetAsync("/health/live"),
            await anonymous.GetAsync("/openapi/v1.json"),
            await anonymous.GetAsync("/v1/keys"), // 401
            await tenant.Owner.GetAsync("/v1/keys"),
            await tenant.Owner.GetAsync("/v1/nowhere"), // 404 from the status code pages
            await tenant.Owner.DeleteAsync("/v1/errors"), // 405
            await tenant.Owner.GetAsync("/v1/keys/key_nope"), // 404 from a handler
            await tenant.Owner.PostRaw("/v1/keys", "{ not json"), // 400 through the exception handler, which clears headers
        ];

        Assert.All(answers, a => Assert.Equal(["nosniff"], a.Headers.GetValues("X-Content-Type-Options")));
    }

    static string[] Names(IEnumerable<RouteEndpoint> routes) =>
        [.. routes.Select(r => $"{r.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Single()} {r.RoutePattern.RawText}")
            .Order(StringComparer.Ordinal)];
}

public sealed class SecurityHeadersTests_Sqlite(WebhookSqliteFixture f) : SecurityHeadersTests(f), IClassFixture<WebhookSqliteFixture>;

public sealed class SecurityHeadersTests_Postgres(WebhookPostgresFixture f) : SecurityHeadersTests(f), IClassFixture<WebhookPostgresFixture>;
