using System.Net;
using System.Text.Json;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Webhooks;

/// <summary>
/// A delivery the worker cannot sign fails its attempts like any other failure and dies on the schedule,
/// while the deliveries claimed in the same batch go out at once.
/// </summary>
public abstract class PoisonDeliveryTests(WebhookFixture fixture)
{
    [Fact]
    public async Task DamagedSecret_DeadWithSecretUnreadableAttempts_BatchMatesArriveAtOnce() =>
        await PoisonedEndpoint_DiesAlone(DamageSecretsAsync, "webhooks.secret_unreadable");

    async Task DamageSecretsAsync(string endpointId)
    {
        await using var scope = fixture.Node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        foreach (var secret in await db.EndpointSecrets.AsNoTracking().Where(s => s.EndpointId == endpointId).ToListAsync())
        {
            // One bit of the sealed secret flipped in storage: the AES-GCM tag no longer matches.
            var damaged = secret.Ciphertext.ToArray();
            damaged[^1] ^= 1;
            await db.EndpointSecrets.Where(s => s.TenantId == secret.TenantId && s.Id == secret.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Ciphertext, damaged));
        }
    }

    [Fact]
    public async Task DamagedSecret_GetSecret_IsAProblemNotA500WithoutCode()
    {
        var tenant = await fixture.NewTenantAsync();
        await using var receiver = await LoopbackReceiver.StartAsync();
        var id = (await tenant.Owner.CreateEndpointAsync(receiver)).Str("id");
        await DamageSecretsAsync(id);

        await (await tenant.Owner.GetAsync($"/v1/webhooks/endpoints/{id}/secret")).Problem(HttpStatusCode.InternalServerError, "server.secret_unreadable");
    }

    [Fact]
    public async Task UnknownSignatureVersion_DeadWithInternalErrorAttempts_BatchMatesArriveAtOnce() =>
        await PoisonedEndpoint_DiesAlone(async id =>
        {
            // As a newer release might write it: the signer of this one throws on a version it does not know.
            await using var scope = fixture.Node.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            var endpoint = await db.Endpoints.SingleAsync(e => e.Id == id);
            endpoint.SignatureVersions = ["v9"];
            await db.SaveChangesAsync();
        }, "webhooks.internal_error");

    async Task PoisonedEndpoint_DiesAlone(Func<string, Task> poison, string errorCode)
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync();
        var poisoned = (await tenant.Owner.CreateEndpointAsync(receiver, path: "poison")).Str("id");
        await tenant.Owner.CreateEndpointAsync(receiver, path: "a");
        await tenant.Owner.CreateEndpointAsync(receiver, path: "b");
        await poison(poisoned);

        // One event: its three deliveries commit together and are claimed in one batch.
        var eventId = (await tenant.Owner.PublishAsync("order.placed", new { })).Str("id");
        await Eventually.TrueAsync(() => receiver.For(eventId).Length == 2, TimeSpan.FromSeconds(5),
            () => $"{receiver.For(eventId).Length} of 2 healthy deliveries arrived");
        JsonElement[] deliveries = [];
        await Eventually.TrueAsync(async () => (deliveries = await tenant.Owner.DeliveriesOfAsync(eventId)).Single(d => d.Str("endpoint_id") == poisoned).Str("status") == "dead",
            describe: () => string.Join(", ", deliveries.Select(d => d.GetRawText())));

        var dead = deliveries.Single(d => d.Str("endpoint_id") == poisoned);
        Assert.Equal(4, dead.GetProperty("attempt_count").GetInt32()); // the first attempt and 3 retries
        Assert.Equal(errorCode, dead.Str("last_error"));
        var attempts = await tenant.Owner.AttemptsOfAsync(dead.Str("id"));
        Assert.Equal(4, attempts.Length);
        Assert.All(attempts, a =>
        {
            Assert.Equal(errorCode, a.Str("error_code"));
            Assert.True(a.IsNull("status_code"));
        });
        Assert.DoesNotContain(receiver.Requests, r => r.PathAndQuery == "/poison");
        // Newest first: the one before the first is the first retry.
        var firstRetry = attempts[^2].GetProperty("attempted_at").GetDateTime();
        foreach (var healthy in deliveries.Where(d => d.Str("endpoint_id") != poisoned))
        {
            Assert.Equal(("succeeded", 1), (healthy.Str("status"), healthy.GetProperty("attempt_count").GetInt32()));
            var sent = Assert.Single(await tenant.Owner.AttemptsOfAsync(healthy.Str("id"))).GetProperty("attempted_at").GetDateTime();
            Assert.True(sent < firstRetry, $"a healthy delivery went out at {sent:O}, after the poisoned one's first retry at {firstRetry:O}");
        }
    }
}

public sealed class PoisonDeliveryTests_Sqlite(WebhookSqliteFixture f) : PoisonDeliveryTests(f), IClassFixture<WebhookSqliteFixture>;

public sealed class PoisonDeliveryTests_Postgres(WebhookPostgresFixture f) : PoisonDeliveryTests(f), IClassFixture<WebhookPostgresFixture>;
