using System.Net;
using System.Net.Http.Json;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Tenants;

public abstract class TenantsApiTests(KeelFixture fixture)
{
    static string NewSlug() => "s-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Create_ValidBody_ReturnsTenantWithOneTimeOwnerKey()
    {
        var slug = NewSlug();

        var response = await fixture.Admin.PostJson("/v1/tenants", new { name = "Acme Inc", slug });
        var created = await response.Json(HttpStatusCode.Created);

        var id = created.Str("id");
        Assert.StartsWith("ten_", id, StringComparison.Ordinal);
        Assert.Equal($"/v1/tenants/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Acme Inc", created.Str("name"));
        Assert.Equal(slug, created.Str("slug"));
        var key = created.GetProperty("management_key");
        Assert.StartsWith("key_", key.Str("id"), StringComparison.Ordinal);
        Assert.StartsWith("keel_sk_", key.Str("key"), StringComparison.Ordinal);

        // The key works, is the tenant's owner key, and its secret is never shown again.
        using var owner = fixture.Node.ClientWith(key.Str("key"));
        var shown = await (await owner.GetAsync($"/v1/keys/{key.Str("id")}")).Json(HttpStatusCode.OK);
        Assert.Equal("owner", shown.Str("role"));
        Assert.False(shown.TryGetProperty("key", out _));
        var fetched = await (await fixture.Admin.GetAsync($"/v1/tenants/{id}")).Json(HttpStatusCode.OK);
        Assert.False(fetched.TryGetProperty("management_key", out _));
        Assert.Equal(slug, fetched.Str("slug"));
    }

    [Fact]
    public async Task List_PagedByCursor_ShowsEveryLiveTenantOnceAndNoDeletedOne()
    {
        var mine = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            mine.Add((await fixture.NewTenantAsync()).Id);
        }
        var deleted = await fixture.NewTenantAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Admin.DeleteAsync($"/v1/tenants/{deleted.Id}")).StatusCode);

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await fixture.Admin.GetAsync("/v1/tenants?limit=2" + (cursor is null ? "" : "&cursor=" + cursor))).Json(HttpStatusCode.OK);
            var data = page.GetProperty("data").EnumerateArray().ToList();
            Assert.InRange(data.Count, 0, 2);
            seen.AddRange(data.Select(t => t.Str("id")));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Subset(seen.ToHashSet(), mine.ToHashSet());
        Assert.DoesNotContain(deleted.Id, seen);
        Assert.Equal(seen.OrderByDescending(id => id, StringComparer.Ordinal), seen); // newest first
    }

    [Fact]
    public async Task Patch_NameAndSlug_ChangesBothAndKeepsTheRest()
    {
        var tenant = await fixture.NewTenantAsync();
        var slug = NewSlug();

        var patched = await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { name = "Renamed", slug })).Json(HttpStatusCode.OK);
        var nameOnly = await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { name = "Renamed again" })).Json(HttpStatusCode.OK);

        Assert.Equal("Renamed", patched.Str("name"));
        Assert.Equal(slug, patched.Str("slug"));
        Assert.Equal("Renamed again", nameOnly.Str("name"));
        Assert.Equal(slug, nameOnly.Str("slug"));
        var fetched = await (await fixture.Admin.GetAsync($"/v1/tenants/{tenant.Id}")).Json(HttpStatusCode.OK);
        Assert.Equal("Renamed again", fetched.Str("name"));
        Assert.Equal(slug, fetched.Str("slug"));
        // The old slug is free again.
        await (await fixture.Admin.PostJson("/v1/tenants", new { name = "Takes the old slug", slug = tenant.Slug })).Json(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Create_TakenSlug_IsConflict()
    {
        var tenant = await fixture.NewTenantAsync();

        var problem = await (await fixture.Admin.PostJson("/v1/tenants", new { name = "Copycat", slug = tenant.Slug }))
            .Problem(HttpStatusCode.Conflict, "resource.conflict");

        Assert.Contains(tenant.Slug, problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_SlugOfAnotherTenant_IsConflictAndChangesNothing()
    {
        var first = await fixture.NewTenantAsync();
        var second = await fixture.NewTenantAsync();

        await (await fixture.Admin.PatchJson($"/v1/tenants/{second.Id}", new { name = "Should not stick", slug = first.Slug }))
            .Problem(HttpStatusCode.Conflict, "resource.conflict");

        var unchanged = await (await fixture.Admin.GetAsync($"/v1/tenants/{second.Id}")).Json(HttpStatusCode.OK);
        Assert.Equal(second.Slug, unchanged.Str("slug"));
        Assert.Equal("Tenant " + second.Slug, unchanged.Str("name"));
        // Setting a tenant's own slug again is no conflict.
        await (await fixture.Admin.PatchJson($"/v1/tenants/{first.Id}", new { slug = first.Slug })).Json(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("a")]
    [InlineData("-leading")]
    [InlineData("trailing-")]
    [InlineData("has space")]
    [InlineData("under_score")]
    [InlineData("")]
    public async Task Create_InvalidSlug_IsValidationFailedNamingSlug(string slug)
    {
        var problem = await (await fixture.Admin.PostJson("/v1/tenants", new { name = "Bad slug", slug }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty("slug", out _), problem.GetRawText());
        Assert.False(problem.GetProperty("errors").TryGetProperty("name", out _), problem.GetRawText());
    }

    [Fact]
    public async Task Create_SlugOf64Chars_IsValidationFailed()
    {
        await (await fixture.Admin.PostJson("/v1/tenants", new { name = "Long", slug = new string('a', 64) }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");
        await (await fixture.Admin.PostJson("/v1/tenants", new { name = "Longest", slug = "a" + Guid.NewGuid().ToString("N") + new string('b', 30) }))
            .Json(HttpStatusCode.Created); // 63 characters
    }

    [Fact]
    public async Task Create_MissingNameAndSlug_ListsBothFields()
    {
        var problem = await (await fixture.Admin.PostJson("/v1/tenants", new { })).Problem(HttpStatusCode.BadRequest, "validation.failed");

        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _), problem.GetRawText());
        Assert.True(errors.TryGetProperty("slug", out _), problem.GetRawText());
    }

    [Fact]
    public async Task Patch_InvalidSlugOrBlankName_IsValidationFailed()
    {
        var tenant = await fixture.NewTenantAsync();

        var slug = await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { slug = "Not A Slug" })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        var name = await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { name = "   " })).Problem(HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(slug.GetProperty("errors").TryGetProperty("slug", out _));
        Assert.True(name.GetProperty("errors").TryGetProperty("name", out _));
        Assert.Equal(tenant.Slug, (await (await fixture.Admin.GetAsync($"/v1/tenants/{tenant.Id}")).Json(HttpStatusCode.OK)).Str("slug"));
    }

    [Theory]
    [InlineData("{\"name\":null}", "name")]
    [InlineData("{\"slug\":null}", "slug")]
    public async Task Patch_NullNameOrSlug_IsValidationFailedNotLeftUnchanged(string body, string field)
    {
        var tenant = await fixture.NewTenantAsync();

        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var problem = await (await fixture.Admin.PatchAsync($"/v1/tenants/{tenant.Id}", content)).Problem(HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task Patch_SameValuesOrEmptyBody_KeepsUpdatedAt()
    {
        var tenant = await fixture.NewTenantAsync();
        var before = await (await fixture.Admin.GetAsync($"/v1/tenants/{tenant.Id}")).Json(HttpStatusCode.OK);

        var empty = await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { })).Json(HttpStatusCode.OK);
        var same = await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { name = before.Str("name"), slug = before.Str("slug") })).Json(HttpStatusCode.OK);
        var renamed = await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { name = "Renamed" })).Json(HttpStatusCode.OK);

        Assert.Equal(before.Str("updated_at"), empty.Str("updated_at"));
        Assert.Equal(before.Str("updated_at"), same.Str("updated_at"));
        Assert.NotEqual(before.Str("updated_at"), renamed.Str("updated_at"));
    }

    [Fact]
    public async Task Delete_Tenant_RevokesAllItsKeysAtOnce()
    {
        var tenant = await fixture.NewTenantAsync();
        var developerKey = (await (await tenant.Owner.PostJson("/v1/keys", new { kind = "management", name = "dev", role = "developer" })).Json(HttpStatusCode.Created)).Str("key");
        var client = await (await tenant.Owner.PostJson("/v1/keys", new { name = "customer" })).Json(HttpStatusCode.Created);
        using var developer = fixture.Node.ClientWith(developerKey);
        // Both management keys are in the node's cache now: deletion must evict them, not wait for a TTL.
        await (await tenant.Owner.GetAsync("/v1/keys")).Json(HttpStatusCode.OK);
        await (await developer.PostJson("/v1/keys/verify", new { key = client.Str("key") })).Json(HttpStatusCode.OK);

        var response = await fixture.Admin.DeleteAsync($"/v1/tenants/{tenant.Id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength ?? 0);
        await (await tenant.Owner.GetAsync("/v1/keys")).Problem(HttpStatusCode.Unauthorized, "auth.key_revoked");
        await (await developer.PostJson("/v1/keys/verify", new { key = client.Str("key") })).Problem(HttpStatusCode.Unauthorized, "auth.key_revoked");
        await using var scope = fixture.Node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var keys = await db.Keys.AsNoTracking().Where(k => k.TenantId == tenant.Id).ToListAsync();
        Assert.Equal(3, keys.Count);
        Assert.All(keys, k => Assert.NotNull(k.RevokedAt));
    }

    [Fact]
    public async Task Delete_Tenant_ThenGetPatchDelete_AreNotFound()
    {
        var tenant = await fixture.NewTenantAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Admin.DeleteAsync($"/v1/tenants/{tenant.Id}")).StatusCode);

        await (await fixture.Admin.GetAsync($"/v1/tenants/{tenant.Id}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await fixture.Admin.PatchJson($"/v1/tenants/{tenant.Id}", new { name = "Zombie" })).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await fixture.Admin.DeleteAsync($"/v1/tenants/{tenant.Id}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
    }

    [Fact]
    public async Task Delete_Tenant_SlugIsReusableByANewTenant()
    {
        var tenant = await fixture.NewTenantAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Admin.DeleteAsync($"/v1/tenants/{tenant.Id}")).StatusCode);

        var again = await (await fixture.Admin.PostJson("/v1/tenants", new { name = "Second life", slug = tenant.Slug })).Json(HttpStatusCode.Created);

        Assert.NotEqual(tenant.Id, again.Str("id"));
        // The new tenant's owner key works; the old one stays revoked.
        using var owner = fixture.Node.ClientWith(again.GetProperty("management_key").Str("key"));
        var keys = await (await owner.GetAsync("/v1/keys")).Json(HttpStatusCode.OK);
        Assert.Single(keys.GetProperty("data").EnumerateArray());
        await (await tenant.Owner.GetAsync("/v1/keys")).Problem(HttpStatusCode.Unauthorized, "auth.key_revoked");
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task Tenant_UnknownId_IsNotFound(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "/v1/tenants/ten_doesnotexist")
        {
            Content = method == "PATCH" ? JsonContent.Create(new { name = "x" }) : null,
        };

        await (await fixture.Admin.SendAsync(request)).Problem(HttpStatusCode.NotFound, "resource.not_found");
    }

    [Fact]
    public async Task Tenants_SeparateKeys_SeeNothingOfEachOther()
    {
        var first = await fixture.NewTenantAsync();
        var second = await fixture.NewTenantAsync();
        var key = await (await first.Owner.PostJson("/v1/keys", new { name = "first's customer" })).Json(HttpStatusCode.Created);

        var seen = await (await second.Owner.GetAsync("/v1/keys")).Json(HttpStatusCode.OK);

        var ids = seen.GetProperty("data").EnumerateArray().Select(k => k.Str("id")).ToList();
        Assert.Single(ids); // its own owner key only
        Assert.DoesNotContain(key.Str("id"), ids);
    }

}

public sealed class TenantsApiTests_Sqlite(SqliteFixture f) : TenantsApiTests(f), IClassFixture<SqliteFixture>;

public sealed class TenantsApiTests_Postgres(PostgresFixture f) : TenantsApiTests(f), IClassFixture<PostgresFixture>;
