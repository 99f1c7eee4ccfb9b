using System.Net;
using System.Text.Json;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Keel.Tests.Webhooks;

namespace Keel.Tests.Storage;

/// <summary>A page of a list is bounded in bytes as well as rows: large rows make shorter pages, never a huge answer.</summary>
public abstract class PageBytesTests(KeelFixture fixture)
{
    // The page's own frame around its rows: {"data":[...],"next_cursor":"..."} and the commas.
    const int FrameBytes = 1024;

    [Fact]
    public async Task ListEvents_LargePayloads_PagesStopAtTheByteBudgetAndTheWalkSeesEveryEvent()
    {
        var tenant = await fixture.NewTenantAsync();
        var payload = new { blob = new string('x', 250 * 1024) };
        var published = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            published.Add((await tenant.Owner.PublishAsync("big.event", payload)).Str("id"));
        }

        var pages = await WalkAsync(tenant.Owner, "/v1/events?limit=200");

        // Four events of 250 KB fit in 1 MB, a fifth does not.
        Assert.Equal([4, 4, 1], pages.Select(p => p.Page.Ids().Length));
        Assert.All(pages, p => Assert.InRange(p.Bytes, 0, PageBudget.MaxBytes + FrameBytes));
        Assert.Equal(Enumerable.Reverse(published), pages.SelectMany(p => p.Page.Ids()));
    }

    [Fact]
    public async Task ListEventTypes_LargeSchemas_PagesStopAtTheByteBudgetAndBuiltInsCloseTheWalk()
    {
        var tenant = await fixture.NewTenantAsync();
        var schema = new { type = "object", description = new string('d', 62 * 1024) };
        var names = Enumerable.Range(0, 20).Select(i => $"big.type{i:D2}").ToList();
        foreach (var name in names)
        {
            await (await tenant.Owner.PostJson("/v1/event-types", new { name, schema })).Json(HttpStatusCode.Created);
        }

        var pages = await WalkAsync(tenant.Owner, "/v1/event-types?limit=200");

        // Sixteen types of 62 KB fit in 1 MB, seventeen would not; Keel's own types follow on the last page.
        Assert.Equal(2, pages.Count);
        Assert.Equal(16, pages[0].Page.GetProperty("data").GetArrayLength());
        Assert.All(pages, p => Assert.InRange(p.Bytes, 0, PageBudget.MaxBytes + FrameBytes));
        var walked = pages.SelectMany(p => p.Page.GetProperty("data").EnumerateArray()).ToList();
        Assert.Equal(names, walked.Where(t => !t.GetProperty("built_in").GetBoolean()).Select(t => t.Str("name")));
        Assert.Contains(walked.Skip(names.Count), t => t.Str("name") == "key.created");
        Assert.All(walked.Skip(names.Count), t => Assert.True(t.GetProperty("built_in").GetBoolean()));
    }

    [Fact]
    public async Task ListEventTypes_SmallLimit_WalksByName()
    {
        var tenant = await fixture.NewTenantAsync();
        foreach (var name in new[] { "c.one", "a.one", "b.one" })
        {
            await (await tenant.Owner.PostJson("/v1/event-types", new { name })).Json(HttpStatusCode.Created);
        }

        var pages = await WalkAsync(tenant.Owner, "/v1/event-types?limit=2");

        Assert.Equal(["a.one", "b.one"], pages[0].Page.GetProperty("data").EnumerateArray().Select(t => t.Str("name")));
        Assert.Equal("c.one", pages[1].Page.GetProperty("data")[0].Str("name"));
        Assert.Equal(2, pages.Count);
        await (await tenant.Owner.GetAsync("/v1/event-types?cursor=nope")).Problem(HttpStatusCode.BadRequest, "validation.invalid_query");
    }

    /// <summary>Follows <c>next_cursor</c> to the end; returns each page with its size on the wire.</summary>
    static async Task<List<(JsonElement Page, int Bytes)>> WalkAsync(HttpClient client, string url)
    {
        var pages = new List<(JsonElement, int)>();
        string? cursor = null;
        do
        {
            Assert.True(pages.Count < 100, "the walk does not end");
            using var response = await client.GetAsync(cursor is null ? url : $"{url}&cursor={cursor}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var page = JsonDocument.Parse(bytes).RootElement.Clone();
            pages.Add((page, bytes.Length));
            cursor = page.IsNull("next_cursor") ? null : page.Str("next_cursor");
        }
        while (cursor is not null);
        return pages;
    }
}

public sealed class PageBytesTests_Sqlite(SqliteFixture f) : PageBytesTests(f), IClassFixture<SqliteFixture>;

public sealed class PageBytesTests_Postgres(PostgresFixture f) : PageBytesTests(f), IClassFixture<PostgresFixture>;
