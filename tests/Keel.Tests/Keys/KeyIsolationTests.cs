using System.Net;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Keys;

/// <summary>Another tenant's key is, to every route, exactly a key that does not exist.</summary>
public abstract class KeyIsolationTests(KeelFixture fixture)
{
    [Fact]
    public async Task OtherTenant_GetPatchDeleteRotate_Returns404AndChangesNothing()
    {
        var a = await fixture.NewTenantAsync();
        var b = await fixture.NewTenantAsync();
        var key = await a.Owner.CreateKeyAsync(new { name = "A's key", scopes = new[] { "s" } });
        var id = key.Str("id");
        var ownerKeyId = (await (await a.Owner.GetAsync("/v1/keys?kind=management")).Json(HttpStatusCode.OK)).Ids().Single();

        foreach (var target in new[] { id, ownerKeyId })
        {
            await (await b.Owner.GetAsync($"/v1/keys/{target}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
            await (await b.Owner.PatchJson($"/v1/keys/{target}", new { name = "taken over", scopes = Array.Empty<string>() }))
                .Problem(HttpStatusCode.NotFound, "resource.not_found");
            await (await b.Owner.DeleteAsync($"/v1/keys/{target}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
            await (await b.Owner.PostJson($"/v1/keys/{target}/rotate", new { grace_period_seconds = 0 }))
                .Problem(HttpStatusCode.NotFound, "resource.not_found");
        }

        // The same answers as for an id that never existed: nothing tells B that A's id is real.
        var missing = await (await b.Owner.GetAsync($"/v1/keys/{Keel.Storage.Ids.New("key")}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        var foreign = await (await b.Owner.GetAsync($"/v1/keys/{id}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        Assert.Equal(missing.Str("detail"), foreign.Str("detail"));

        var read = await a.Owner.GetKeyAsync(id);
        Assert.Equal("A's key", read.Str("name"));
        Assert.Equal(["s"], read.Strings("scopes"));
        Assert.Equal("active", read.Str("status"));
        Assert.True(read.IsNull("rotated_to_id"));
        Assert.Equal("VALID", (await a.Owner.VerifyAsync(key.Str("key"), "s")).Code());
        (await a.Owner.GetAsync("/v1/keys")).EnsureSuccessStatusCode(); // A's owner key was not revoked by B
    }

    [Fact]
    public async Task OtherTenant_List_NeverContainsKeysOfAnother()
    {
        var a = await fixture.NewTenantAsync();
        var b = await fixture.NewTenantAsync();
        var aIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            aIds.Add((await a.Owner.CreateKeyAsync(new { name = $"a{i}", owner_id = "shared-owner" })).Str("id"));
        }
        var bKey = (await b.Owner.CreateKeyAsync(new { name = "b0", owner_id = "shared-owner" })).Str("id");

        foreach (var query in new[] { "", "?limit=200", "?owner_id=shared-owner", "?kind=client", "?kind=management" })
        {
            var list = (await (await b.Owner.GetAsync("/v1/keys" + query)).Json(HttpStatusCode.OK)).Ids();
            Assert.DoesNotContain(list, aIds.Contains);
            if (query != "?kind=management")
            {
                Assert.Contains(bKey, list);
            }
        }
        var aList = (await (await a.Owner.GetAsync("/v1/keys?owner_id=shared-owner")).Json(HttpStatusCode.OK)).Ids();
        Assert.Equal([.. Enumerable.Reverse(aIds)], aList);
    }

    [Fact]
    public async Task OtherTenant_CursorFromAnotherList_ShowsOnlyItsOwnKeys()
    {
        var a = await fixture.NewTenantAsync();
        var b = await fixture.NewTenantAsync();
        var bOld = (await b.Owner.CreateKeyAsync(new { name = "b old" })).Str("id");
        for (var i = 0; i < 3; i++)
        {
            await a.Owner.CreateKeyAsync(new { name = $"a{i}" });
        }
        var aPage = await (await a.Owner.GetAsync("/v1/keys?limit=1")).Json(HttpStatusCode.OK);
        var cursor = aPage.Str("next_cursor");

        var bPage = await (await b.Owner.GetAsync($"/v1/keys?cursor={cursor}")).Json(HttpStatusCode.OK);
        var ids = bPage.Ids();
        Assert.Contains(bOld, ids);
        var aAll = (await (await a.Owner.GetAsync("/v1/keys")).Json(HttpStatusCode.OK)).Ids();
        Assert.DoesNotContain(ids, aAll.Contains);
    }

    [Fact]
    public async Task OtherTenant_VerifyingForeignClientKey_ReturnsNotFoundWithoutKeyId()
    {
        var a = await fixture.NewTenantAsync();
        var b = await fixture.NewTenantAsync();
        var key = await a.Owner.CreateKeyAsync(new { name = "A's", owner_id = "cus_a", scopes = new[] { "s" }, meta = new { secret_plan = "x" } });
        var secret = key.Str("key");

        // Once before A has used it (a cold cache), once after (the key is cached as A's).
        var cold = await b.Owner.VerifyAsync(secret);
        Assert.Equal("VALID", (await a.Owner.VerifyAsync(secret, "s")).Code());
        var warm = await b.Owner.VerifyAsync(secret, "s");

        foreach (var verify in new[] { cold, warm })
        {
            Assert.Equal("NOT_FOUND", verify.Code());
            Assert.True(verify.IsNull("key_id"));
            Assert.True(verify.IsNull("owner_id"));
            Assert.True(verify.IsNull("meta"));
            Assert.DoesNotContain("cus_a", verify.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OtherTenant_ManagementKey_ActsOnlyForItsOwnTenant()
    {
        var a = await fixture.NewTenantAsync();
        var b = await fixture.NewTenantAsync();
        var aKey = await a.Owner.CreateKeyAsync(new { name = "A's" });

        // B's owner makes a key: it lands in B, whatever B's credential is used for.
        var made = await b.Owner.CreateKeyAsync(new { name = "B's" });
        await (await a.Owner.GetAsync($"/v1/keys/{made.Str("id")}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        Assert.Equal("NOT_FOUND", (await a.Owner.VerifyAsync(made.Str("key"))).Code());
        Assert.Equal("VALID", (await b.Owner.VerifyAsync(made.Str("key"))).Code());
        Assert.Equal("VALID", (await a.Owner.VerifyAsync(aKey.Str("key"))).Code());
    }
}

public sealed class KeyIsolationTests_Sqlite(SqliteFixture f) : KeyIsolationTests(f), IClassFixture<SqliteFixture>;

public sealed class KeyIsolationTests_Postgres(PostgresFixture f) : KeyIsolationTests(f), IClassFixture<PostgresFixture>;
