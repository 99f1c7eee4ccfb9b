using System.Net;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keel.Tests.Http;

/// <summary>
/// Secrets are never logged: every log line Keel writes at any level, with its exception, during the
/// life of a tenant's keys (and failed attempts with wrong secrets) is searched for every secret used.
/// </summary>
public abstract class SecretLoggingTests(Provider provider)
{
    [Fact]
    public async Task KeyAndWebhookLifecycle_AtTraceLevel_NoSecretInAnyLogLine()
    {
        using var captured = new CapturingLoggerProvider();
        var database = await KeelFixture.NewDatabaseAsync(provider);
        await using var node = new KeelNode(provider, database, KeelFixture.AdminToken,
            WebhookFixture.Settings(new Dictionary<string, string?>
            {
                // Every category appsettings.json quiets, back to the most talkative level.
                ["Logging:LogLevel:Default"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
                ["Logging:LogLevel:Keel.Http.BearerAuthentication"] = "Trace",
            }),
            s => s.AddSingleton<ILoggerProvider>(captured));
        await using var receiver = await LoopbackReceiver.StartAsync();
        using var admin = node.ClientWith(KeelFixture.AdminToken);

        var tenant = await KeelFixture.NewTenantAsync(node, admin);
        var key = await (await tenant.Owner.PostJson("/v1/keys", new { name = "customer", prefix = "acme_live" })).Json(HttpStatusCode.Created);
        await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key") })).Json(HttpStatusCode.OK);
        var successor = await (await tenant.Owner.PostJson($"/v1/keys/{key.Str("id")}/rotate", new { grace_period_seconds = 0 })).Json(HttpStatusCode.Created);
        await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = key.Str("key") })).Json(HttpStatusCode.OK);
        var wrong = "acme_live_thisIsNotAKeyButLooksLikeOne123456";
        await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = wrong })).Json(HttpStatusCode.OK);
        var wrongBearer = "keel_sk_wrongwrongwrongwrongwrongwrong1234";
        using (var stranger = node.ClientWith(wrongBearer))
        {
            await (await stranger.GetAsync("/v1/keys")).Problem(HttpStatusCode.Unauthorized, "auth.invalid_credentials");
        }
        await (await tenant.Owner.PostRaw("/v1/keys/verify", "{\"key\": \"" + successor.Str("key") + "\", \"cost\": \"x\"}"))
            .Problem(HttpStatusCode.BadRequest, "validation.invalid_type");
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{successor.Str("id")}")).StatusCode);

        // Webhook secrets: made, rotated, used to sign (the key events above go to this endpoint too).
        var endpoint = await (await tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url = new Uri(receiver.BaseUri, "hook").ToString() })).Json(HttpStatusCode.Created);
        var rotated = await (await tenant.Owner.PostJson($"/v1/webhooks/endpoints/{endpoint.Str("id")}/secret/rotate", new { grace_period_seconds = 60 })).Json(HttpStatusCode.OK);
        await (await tenant.Owner.PostJson("/v1/events", new { type = "a.b", payload = new { } })).Json(HttpStatusCode.Accepted);
        await Eventually.TrueAsync(() => receiver.Requests.Count > 0, describe: () => "the event was not delivered");

        var lines = captured.Lines.ToList();
        Assert.True(lines.Count > 200, $"the capture must see Keel's logging (saw {lines.Count} lines)");
        foreach (var secret in new[]
        {
            KeelFixture.AdminToken, tenant.OwnerKey, key.Str("key"), successor.Str("key"), wrong, wrongBearer,
            endpoint.Str("secret"), endpoint.Str("secret")["whsec_".Length..], rotated.Str("secret")["whsec_".Length..],
            WebhookFixture.MasterKey,
        })
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
        if (provider == Provider.Postgres)
        {
            await node.DisposeAsync();
            await TestServers.DropPostgresDatabaseAsync(database);
        }
    }
}


public sealed class SecretLoggingTests_Sqlite() : SecretLoggingTests(Provider.Sqlite);

public sealed class SecretLoggingTests_Postgres() : SecretLoggingTests(Provider.Postgres);
