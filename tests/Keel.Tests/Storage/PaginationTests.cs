using System.Net;
using System.Text.Json;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;

namespace Keel.Tests.Storage;

/// <summary>Keyset pagination of lists: newest first by id, every row exactly once, stable under inserts.</summary>
public abstract class PaginationTests(KeelFixture fixture)
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(6)] // 24 rows: the last page is full, and must still end the walk
    [InlineData(23)]
    [InlineData(200)]
    public async Task ListKeys_WalkedInPages_ReturnsEveryKeyOnceNewestFirst(int limit)
    {
        var tenant = await fixture.NewTenantAsync();
        var ownerKeyId = await OwnerKeyIdAsync(tenant);
        var created = await CreateKeysAsync(tenant, 23);
        string[] expected = [.. Enumerable.Reverse(created), ownerKeyId];

        var pages = await WalkAsync(tenant.Owner, "/v1/keys", limit);

        Assert.Equal((expected.Length + limit - 1) / limit, pages.Count);
        for (var i = 0; i < pages.Count; i++)
        {
            var last = i == pages.Count - 1;
            Assert.Equal(last ? expected.Length - (limit * i) : limit, pages[i].Ids().Length);
            Assert.Equal(last, pages[i].IsNull("next_cursor"));
        }
        var walked = pages.SelectMany(p => p.Ids()).ToArray();
        Assert.Equal(expected, walked);
        AssertNewestFirst(walked);
    }

    [Fact]
    public async Task ListKeys_WithoutLimit_ReturnsPagesOf50()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await CreateKeysAsync(tenant, 50);

        var first = await (await tenant.Owner.GetAsync("/v1/keys")).Json(HttpStatusCode.OK);
        Assert.Equal([.. Enumerable.Reverse(created)], first.Ids());
        var second = await (await tenant.Owner.GetAsync($"/v1/keys?cursor={first.Str("next_cursor")}")).Json(HttpStatusCode.OK);
        Assert.Equal([await OwnerKeyIdAsync(tenant)], second.Ids());
        Assert.True(second.IsNull("next_cursor"));
    }

    [Fact]
    public async Task ListKeys_SameCursorTwice_ReturnsTheSamePage()
    {
        var tenant = await fixture.NewTenantAsync();
        await CreateKeysAsync(tenant, 12);
        var first = await (await tenant.Owner.GetAsync("/v1/keys?limit=5")).Json(HttpStatusCode.OK);
        var url = $"/v1/keys?limit=5&cursor={first.Str("next_cursor")}";

        var once = await (await tenant.Owner.GetAsync(url)).Json(HttpStatusCode.OK);
        var twice = await (await tenant.Owner.GetAsync(url)).Json(HttpStatusCode.OK);

        Assert.Equal(5, once.Ids().Length);
        Assert.Equal(once.Ids(), twice.Ids());
        Assert.Equal(once.Str("next_cursor"), twice.Str("next_cursor"));
        Assert.Empty(once.Ids().Intersect(first.Ids()));
    }

    [Fact]
    public async Task ListKeys_KeysCreatedOrRevokedMidWalk_NoDuplicatesOrGaps()
    {
        var tenant = await fixture.NewTenantAsync();
        var ownerKeyId = await OwnerKeyIdAsync(tenant);
        var created = await CreateKeysAsync(tenant, 10);
        string[] before = [.. Enumerable.Reverse(created), ownerKeyId];

        var first = await (await tenant.Owner.GetAsync("/v1/keys?limit=4")).Json(HttpStatusCode.OK);
        // Newer rows appear ahead of the cursor and a revoked one keeps its place: the rest of the walk is unmoved.
        var newer = await CreateKeysAsync(tenant, 3);
        (await tenant.Owner.DeleteAsync($"/v1/keys/{before[6]}")).EnsureSuccessStatusCode();
        var rest = await WalkAsync(tenant.Owner, "/v1/keys?limit=4", first.Str("next_cursor"));

        string[] walked = [.. first.Ids(), .. rest.SelectMany(p => p.Ids())];
        Assert.Equal(before, walked);
        var fresh = (await WalkAsync(tenant.Owner, "/v1/keys", 4)).SelectMany(p => p.Ids());
        Assert.Equal(Enumerable.Reverse(newer).Concat(before), fresh);
    }

    [Fact]
    public async Task ListKeys_FilteredByKind_PagesOnlyMatchingKeys()
    {
        var tenant = await fixture.NewTenantAsync();
        var ownerKeyId = await OwnerKeyIdAsync(tenant);
        var clients = new List<string>();
        var managers = new List<string> { ownerKeyId };
        for (var i = 0; i < 6; i++)
        {
            clients.Add((await tenant.Owner.CreateKeyAsync(new { name = $"c{i}" })).Str("id"));
            if (i % 2 == 0)
            {
                managers.Add((await tenant.Owner.CreateKeyAsync(new { kind = "management", name = $"m{i}", role = "viewer" })).Str("id"));
            }
        }

        var walkedClients = (await WalkAsync(tenant.Owner, "/v1/keys?kind=client", 4)).SelectMany(p => p.Ids());
        var walkedManagers = (await WalkAsync(tenant.Owner, "/v1/keys?kind=management", 2)).SelectMany(p => p.Ids());

        Assert.Equal(Enumerable.Reverse(clients), walkedClients);
        Assert.Equal(Enumerable.Reverse(managers), walkedManagers);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=1.5", "limit")]
    [InlineData("limit=", "limit")]
    [InlineData("cursor=zzz", "cursor")]
    [InlineData("cursor=", "cursor")]
    [InlineData("cursor=djE6", "cursor")] // "v1:" with no id
    [InlineData("limit=5&cursor=%2F%2F%2F", "cursor")]
    [InlineData("kind=robot", "kind")]
    public async Task ListKeys_InvalidQueryParameter_Returns400InvalidQuery(string query, string field)
    {
        var tenant = await fixture.NewTenantAsync();
        var problem = await (await tenant.Owner.GetAsync("/v1/keys?" + query)).Problem(HttpStatusCode.BadRequest, "validation.invalid_query");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {problem}");
    }

    [Fact]
    public async Task ListKeys_LimitBounds_1And200AreAccepted()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await CreateKeysAsync(tenant, 2);
        var one = await (await tenant.Owner.GetAsync("/v1/keys?limit=1")).Json(HttpStatusCode.OK);
        Assert.Equal([created[1]], one.Ids());
        Assert.False(one.IsNull("next_cursor"));
        var all = await (await tenant.Owner.GetAsync("/v1/keys?limit=200")).Json(HttpStatusCode.OK);
        Assert.Equal(3, all.Ids().Length);
        Assert.True(all.IsNull("next_cursor"));
    }

    [Fact]
    public async Task ListTenants_WalkedInPages_ReturnsEveryTenantOnceNewestFirst()
    {
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await fixture.NewTenantAsync()).Id);
        }
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Admin.DeleteAsync($"/v1/tenants/{created[3]}")).StatusCode);
        created.RemoveAt(3);

        var pages = await WalkAsync(fixture.Admin, "/v1/tenants", 3);
        var walked = pages.SelectMany(p => p.Ids()).ToArray();

        // Tests of this class run one at a time on their own database: the newest tenants are these.
        Assert.Equal(Enumerable.Reverse(created), walked.Take(created.Count));
        AssertNewestFirst(walked);
        Assert.All(pages.SkipLast(1), p => Assert.Equal(3, p.Ids().Length));
        Assert.InRange(pages[^1].Ids().Length, 1, 3);
        var single = await (await fixture.Admin.GetAsync("/v1/tenants?limit=200")).Json(HttpStatusCode.OK);
        Assert.True(single.IsNull("next_cursor"));
        Assert.Equal(single.Ids(), walked);
        Assert.All(single.GetProperty("data").EnumerateArray(), t => Assert.False(t.TryGetProperty("management_key", out _)));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("cursor=zzz", "cursor")]
    public async Task ListTenants_InvalidLimitOrCursor_Returns400InvalidQuery(string query, string field)
    {
        var problem = await (await fixture.Admin.GetAsync("/v1/tenants?" + query)).Problem(HttpStatusCode.BadRequest, "validation.invalid_query");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {problem}");
    }

    static async Task<List<string>> CreateKeysAsync(TestTenant tenant, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await tenant.Owner.CreateKeyAsync(new { name = $"key {i}" })).Str("id"));
        }
        return ids;
    }

    static async Task<string> OwnerKeyIdAsync(TestTenant tenant) =>
        (await (await tenant.Owner.GetAsync("/v1/keys?kind=management")).Json(HttpStatusCode.OK)).Ids().Single();

    static Task<List<JsonElement>> WalkAsync(HttpClient client, string path, int limit) =>
        WalkAsync(client, $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}limit={limit}", null);

    /// <summary>Follows <c>next_cursor</c> from <paramref name="cursor"/> (or the start) to the end; returns every page.</summary>
    static async Task<List<JsonElement>> WalkAsync(HttpClient client, string url, string? cursor)
    {
        var pages = new List<JsonElement>();
        do
        {
            Assert.True(pages.Count < 1000, "the walk does not end");
            var page = await (await client.GetAsync(cursor is null ? url : $"{url}&cursor={cursor}")).Json(HttpStatusCode.OK);
            pages.Add(page);
            cursor = page.IsNull("next_cursor") ? null : page.Str("next_cursor");
        }
        while (cursor is not null);
        return pages;
    }

    static void AssertNewestFirst(string[] ids)
    {
        Assert.Equal(ids.Length, ids.Distinct().Count());
        for (var i = 1; i < ids.Length; i++)
        {
            Assert.True(string.CompareOrdinal(ids[i - 1], ids[i]) > 0, $"{ids[i - 1]} should come before {ids[i]}");
        }
    }
}

public sealed class PaginationTests_Sqlite(SqliteFixture f) : PaginationTests(f), IClassFixture<SqliteFixture>;

public sealed class PaginationTests_Postgres(PostgresFixture f) : PaginationTests(f), IClassFixture<PostgresFixture>;
