using System.Net;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Keys;

/// <summary>A tenant always keeps an active owner key; the platform admin can issue one to a tenant that lost them.</summary>
public abstract class OwnerKeyTests(KeelFixture fixture)
{
    [Fact]
    public async Task Revoke_LastOwnerKey_Is409AndTheKeyStillWorks()
    {
        var tenant = await fixture.NewTenantAsync();
        var ownerId = (await ActiveOwnersAsync(tenant.Owner)).Single();

        await (await tenant.Owner.DeleteAsync($"/v1/keys/{ownerId}")).Problem(HttpStatusCode.Conflict, "resource.last_owner");

        Assert.Equal("active", (await tenant.Owner.GetKeyAsync(ownerId)).Str("status"));
    }

    [Fact]
    public async Task Revoke_OwnerKeyBesideAnother_Succeeds_ThenTheOtherIsTheLast()
    {
        var tenant = await fixture.NewTenantAsync();
        var first = (await ActiveOwnersAsync(tenant.Owner)).Single();
        var second = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "Second owner", role = "owner" });
        using var secondClient = fixture.Node.ClientWith(second.Str("key"));

        Assert.Equal(HttpStatusCode.NoContent, (await secondClient.DeleteAsync($"/v1/keys/{first}")).StatusCode);

        await (await secondClient.DeleteAsync($"/v1/keys/{second.Str("id")}")).Problem(HttpStatusCode.Conflict, "resource.last_owner");
        Assert.Equal([second.Str("id")], await ActiveOwnersAsync(secondClient));
    }

    [Fact]
    public async Task Revoke_OtherRolesAndRevokedOwners_DoNotCountAsOwners()
    {
        var tenant = await fixture.NewTenantAsync();
        var owner = (await ActiveOwnersAsync(tenant.Owner)).Single();
        var admin = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "Admin", role = "admin" });
        var spare = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "Spare owner", role = "owner" });
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{spare.Str("id")}")).StatusCode);

        await (await tenant.Owner.DeleteAsync($"/v1/keys/{owner}")).Problem(HttpStatusCode.Conflict, "resource.last_owner");
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{admin.Str("id")}")).StatusCode);
        // Revoking a revoked owner key stays a no-op, not a conflict.
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{spare.Str("id")}")).StatusCode);
    }

    [Fact]
    public async Task Revoke_LastTwoOwnerKeysAtOnce_OneOwnerKeyStays()
    {
        // Each round races two revocations, each made with the key the other one revokes. Without the lock
        // both see the other key active and both commit; one round suffices to fail.
        // Rounds go in batches of 8 until one shows the race (a 409): on a loaded machine a whole batch may
        // run one request after the other (200 and 401), which proves nothing about the lock.
        var raced = false;
        for (var batch = 0; batch < 5 && !raced; batch++)
        {
            raced = (await RaceRoundsAsync(8)).Any(r => r.Contains(HttpStatusCode.Conflict));
        }

        Assert.True(raced, "no round of 40 ran the two revocations concurrently");
    }

    async Task<HttpStatusCode[][]> RaceRoundsAsync(int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            var tenant = await fixture.NewTenantAsync();
            var first = (await ActiveOwnersAsync(tenant.Owner)).Single();
            var second = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "Second owner", role = "owner" });
            using var secondClient = fixture.Node.ClientWith(second.Str("key"));

            var answers = await Task.WhenAll(
                tenant.Owner.DeleteAsync($"/v1/keys/{second.Str("id")}"),
                secondClient.DeleteAsync($"/v1/keys/{first}"));

            // A request whose own key was revoked first is 401; the one that came second under the lock is 409.
            Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.NoContent, HttpStatusCode.Conflict, HttpStatusCode.Unauthorized }));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.NoContent));
            var survivor = answers[0].StatusCode == HttpStatusCode.NoContent ? tenant.Owner : secondClient;
            Assert.Single(await ActiveOwnersAsync(survivor));
            return answers.Select(a => a.StatusCode).ToArray();
        }));

    [Fact]
    public async Task RecoveryKey_AdminIssues_AnOwnerKeyTheTenantSeesAsKeyCreated()
    {
        var tenant = await fixture.NewTenantAsync();

        var response = await fixture.Admin.PostAsync($"/v1/tenants/{tenant.Id}/owner-keys", null);
        var issued = await response.Json(HttpStatusCode.Created);

        Assert.Equal(["id", "key"], issued.EnumerateObject().Select(p => p.Name));
        Assert.Equal($"/v1/keys/{issued.Str("id")}", response.Headers.Location?.OriginalString);
        Assert.StartsWith("keel_sk_", issued.Str("key"), StringComparison.Ordinal);
        using var recovered = fixture.Node.ClientWith(issued.Str("key"));
        var view = await recovered.GetKeyAsync(issued.Str("id"));
        Assert.Equal("owner", view.Str("role"));
        Assert.Equal("Recovery owner key", view.Str("name"));
        var created = (await (await recovered.GetAsync("/v1/events")).Json(HttpStatusCode.OK)).GetProperty("data").EnumerateArray()
            .Where(e => e.Str("type") == "key.created").Select(e => e.GetProperty("payload").Str("id"));
        Assert.Contains(issued.Str("id"), created);

        // With two owners the tenant can now revoke the one whose secret it lost.
        var lost = (await ActiveOwnersAsync(recovered)).Single(id => id != issued.Str("id"));
        Assert.Equal(HttpStatusCode.NoContent, (await recovered.DeleteAsync($"/v1/keys/{lost}")).StatusCode);
    }

    [Fact]
    public async Task RecoveryKey_DeletedOrUnknownTenant_Is404()
    {
        var tenant = await fixture.NewTenantAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Admin.DeleteAsync($"/v1/tenants/{tenant.Id}")).StatusCode);

        await (await fixture.Admin.PostAsync($"/v1/tenants/{tenant.Id}/owner-keys", null)).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await fixture.Admin.PostAsync("/v1/tenants/ten_nope/owner-keys", null)).Problem(HttpStatusCode.NotFound, "resource.not_found");
    }

    [Fact]
    public async Task RecoveryKey_ManagementKey_IsForbidden()
    {
        var tenant = await fixture.NewTenantAsync();

        await (await tenant.Owner.PostAsync($"/v1/tenants/{tenant.Id}/owner-keys", null)).Problem(HttpStatusCode.Forbidden, "auth.forbidden");
        Assert.Single(await ActiveOwnersAsync(tenant.Owner));
    }

    static async Task<List<string>> ActiveOwnersAsync(HttpClient client)
    {
        var page = await (await client.GetAsync("/v1/keys?kind=management&limit=200")).Json(HttpStatusCode.OK);
        return [.. page.GetProperty("data").EnumerateArray()
            .Where(k => k.Str("role") == "owner" && k.Str("status") == "active").Select(k => k.Str("id"))];
    }
}

public sealed class OwnerKeyTests_Sqlite(SqliteFixture f) : OwnerKeyTests(f), IClassFixture<SqliteFixture>;

public sealed class OwnerKeyTests_Postgres(PostgresFixture f) : OwnerKeyTests(f), IClassFixture<PostgresFixture>;
