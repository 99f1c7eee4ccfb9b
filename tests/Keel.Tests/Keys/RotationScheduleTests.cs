using System.Net;
using System.Text;
using System.Text.Json;
using Keel.Jobs;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Keys;

/// <summary>Keys rotated by their schedule (issue 5, part 3), on a clock the test moves; the test runs the scheduler's scans.</summary>
public abstract class RotationScheduleTests(KeelFixture fixture)
{
    [Fact]
    public async Task Schedule_Timeline_NoticeOnceThenRotationThenGraceThenOldKeyExpired()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var created = node.Now;
        var old = await tenant.Owner.CreateKeyAsync(new
        {
            name = "svc",
            prefix = "acme_live",
            scopes = new[] { "r" },
            rotation = new { every_days = 10, grace_period_seconds = 3600, notify_days_before = 3 },
        });
        var oldId = old.Str("id");
        var due = created.AddDays(10);
        var rotation = old.GetProperty("rotation");
        Assert.Equal(10, rotation.GetProperty("every_days").GetInt32());
        Assert.Equal(3600, rotation.GetProperty("grace_period_seconds").GetInt32());
        Assert.Equal(3, rotation.GetProperty("notify_days_before").GetInt32());
        Assert.Equal(due, rotation.Time("next_rotation_at"));
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code()); // cached before the rotation
        var scheduler = Scheduler(node);

        await scheduler.RunOnceAsync(default);
        node.Time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        await scheduler.RunOnceAsync(default);
        Assert.Empty(await EventsAsync(tenant.Owner, "key.rotation_due"));

        // The notice: notify_days_before ahead, once.
        node.Time.Advance(TimeSpan.FromSeconds(1));
        await scheduler.RunOnceAsync(default);
        await scheduler.RunOnceAsync(default);
        var notice = Assert.Single(await EventsAsync(tenant.Owner, "key.rotation_due"));
        Assert.Equal(oldId, notice.Str("id"));
        Assert.Equal(due, notice.GetProperty("rotation").Time("next_rotation_at"));
        Assert.Empty(await EventsAsync(tenant.Owner, "key.rotated"));

        // The rotation, at the due time.
        node.Time.Advance(TimeSpan.FromDays(3) - TimeSpan.FromSeconds(1));
        await scheduler.RunOnceAsync(default);
        Assert.Empty(await EventsAsync(tenant.Owner, "key.rotated"));
        node.Time.Advance(TimeSpan.FromSeconds(1));
        await scheduler.RunOnceAsync(default);
        await scheduler.RunOnceAsync(default);
        var rotated = Assert.Single(await EventsAsync(tenant.Owner, "key.rotated"));
        Assert.True(rotated.GetProperty("scheduled").GetBoolean());
        Assert.Equal(oldId, rotated.Str("old_key_id"));
        Assert.Equal(due.AddHours(1), rotated.Time("old_key_expires_at"));
        var successor = rotated.GetProperty("successor");
        var newId = successor.Str("id");
        Assert.Equal(oldId, successor.Str("rotated_from_id"));
        Assert.Equal(["r"], successor.Strings("scopes"));
        Assert.Equal(due.AddDays(10), successor.GetProperty("rotation").Time("next_rotation_at"));

        var oldView = await tenant.Owner.GetKeyAsync(oldId);
        Assert.Equal(newId, oldView.Str("rotated_to_id"));
        Assert.Equal("active", oldView.Str("status"));
        Assert.True(oldView.GetProperty("rotation").IsNull("next_rotation_at"));
        // The old key's cache entry learned its grace end: valid until then, expired after.
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code());

        // The successor's secret: sealed (never plaintext at rest), given out once.
        var sealedSecret = await SealedSecretAsync(node, oldId);
        Assert.NotNull(sealedSecret);
        var fetched = await (await tenant.Owner.GetAsync($"/v1/keys/{oldId}/successor-secret")).Json(HttpStatusCode.OK);
        Assert.Equal(newId, fetched.Str("id"));
        var secret = fetched.Str("key");
        Assert.StartsWith("acme_live_", secret, StringComparison.Ordinal);
        Assert.Equal(-1, sealedSecret.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
        Assert.DoesNotContain(secret, rotated.GetRawText(), StringComparison.Ordinal);
        Assert.Null(await SealedSecretAsync(node, oldId));
        await (await tenant.Owner.GetAsync($"/v1/keys/{oldId}/successor-secret")).Problem(HttpStatusCode.Gone, "resource.successor_secret_gone");
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(secret, "r")).Code());

        node.Time.Advance(TimeSpan.FromSeconds(3599));
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code());
        node.Time.Advance(TimeSpan.FromSeconds(1));
        await scheduler.RunOnceAsync(default);
        Assert.Equal("EXPIRED", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code());
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(secret)).Code());
        Assert.Single(await EventsAsync(tenant.Owner, "key.rotated"));
    }

    [Fact]
    public async Task SuccessorSecret_NeverFetched_DestroyedWhenTheGraceEnds()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k", rotation = new { every_days = 1, grace_period_seconds = 600 } });
        var scheduler = Scheduler(node);
        node.Time.Advance(TimeSpan.FromDays(1));
        await scheduler.RunOnceAsync(default);
        Assert.NotNull(await SealedSecretAsync(node, old.Str("id")));

        node.Time.Advance(TimeSpan.FromSeconds(600));
        await scheduler.RunOnceAsync(default);

        Assert.Null(await SealedSecretAsync(node, old.Str("id")));
        await (await tenant.Owner.GetAsync($"/v1/keys/{old.Str("id")}/successor-secret")).Problem(HttpStatusCode.Gone, "resource.successor_secret_gone");
    }

    [Fact]
    public async Task SuccessorSecret_ConcurrentFetches_ExactlyOneGetsIt()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k", rotation = new { every_days = 2 } });
        node.Time.Advance(TimeSpan.FromDays(2));
        await Scheduler(node).RunOnceAsync(default);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => tenant.Owner.GetAsync($"/v1/keys/{old.Str("id")}/successor-secret")));

        var winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync((await winner.Json(HttpStatusCode.OK)).Str("key"))).Code());
        foreach (var loser in responses.Where(r => r != winner))
        {
            await loser.Problem(HttpStatusCode.Gone, "resource.successor_secret_gone");
        }
    }

    [Fact]
    public async Task SuccessorSecret_OtherTenant_IsNotFound_AndRevokingTheOldKeyDestroysIt()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var other = await node.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k", rotation = new { every_days = 2 } });
        // Not rotated yet: there is no successor to fetch.
        await (await tenant.Owner.GetAsync($"/v1/keys/{old.Str("id")}/successor-secret")).Problem(HttpStatusCode.Conflict, "resource.conflict");
        node.Time.Advance(TimeSpan.FromDays(2));
        await Scheduler(node).RunOnceAsync(default);

        await (await other.Owner.GetAsync($"/v1/keys/{old.Str("id")}/successor-secret")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        Assert.NotNull(await SealedSecretAsync(node, old.Str("id")));

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{old.Str("id")}")).StatusCode);
        Assert.Null(await SealedSecretAsync(node, old.Str("id")));
        await (await tenant.Owner.GetAsync($"/v1/keys/{old.Str("id")}/successor-secret")).Problem(HttpStatusCode.Gone, "resource.successor_secret_gone");
    }

    [Fact]
    public async Task ManualRotation_OfAScheduledKey_ShowsTheSecretOnce_SuccessorKeepsTheScheduleFromNow()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k", rotation = new { every_days = 30, notify_days_before = 5 } });
        node.Time.Advance(TimeSpan.FromDays(3));

        var successor = await tenant.Owner.RotateAsync(old.Str("id"), 60);

        Assert.Equal(node.Now.AddDays(30), successor.GetProperty("rotation").Time("next_rotation_at"));
        Assert.Equal(5, successor.GetProperty("rotation").GetProperty("notify_days_before").GetInt32());
        var rotated = Assert.Single(await EventsAsync(tenant.Owner, "key.rotated"));
        Assert.False(rotated.GetProperty("scheduled").GetBoolean());
        Assert.Null(await SealedSecretAsync(node, old.Str("id")));
        await (await tenant.Owner.GetAsync($"/v1/keys/{old.Str("id")}/successor-secret")).Problem(HttpStatusCode.Gone, "resource.successor_secret_gone");

        // The old key's due date passes: it was rotated already, so the scheduler leaves it alone. (No event
        // count here: a month on, retention takes events whose ids were minted on the real clock.)
        node.Time.Advance(TimeSpan.FromDays(28));
        await Scheduler(node).RunOnceAsync(default);
        var clients = await (await tenant.Owner.GetAsync("/v1/keys?kind=client")).Json(HttpStatusCode.OK);
        Assert.Equal([successor.Str("id"), old.Str("id")], clients.Ids());
        Assert.True((await tenant.Owner.GetKeyAsync(successor.Str("id"))).IsNull("rotated_to_id"));
    }

    [Fact]
    public async Task Schedule_SetAndRemovedWithPatch_RemovedScheduleNeverRotates()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var key = await tenant.Owner.CreateKeyAsync(new { name = "k" });
        Assert.True(key.IsNull("rotation"));
        node.Time.Advance(TimeSpan.FromDays(1));

        var set = await (await tenant.Owner.PatchJson($"/v1/keys/{key.Str("id")}", new { rotation = new { every_days = 30 } })).Json(HttpStatusCode.OK);
        var rotation = set.GetProperty("rotation");
        Assert.Equal(node.Now.AddDays(30), rotation.Time("next_rotation_at"));
        Assert.Equal(86400, rotation.GetProperty("grace_period_seconds").GetInt32()); // Keys:DefaultRotationGrace
        Assert.Equal(0, rotation.GetProperty("notify_days_before").GetInt32());
        Assert.Equal(rotation.GetRawText(), (await tenant.Owner.GetKeyAsync(key.Str("id"))).GetProperty("rotation").GetRawText());

        // Other changes leave the schedule alone.
        var renamed = await (await tenant.Owner.PatchJson($"/v1/keys/{key.Str("id")}", new { name = "renamed" })).Json(HttpStatusCode.OK);
        Assert.Equal(rotation.GetRawText(), renamed.GetProperty("rotation").GetRawText());

        var cleared = await (await tenant.Owner.PatchJson($"/v1/keys/{key.Str("id")}", new { rotation = (object?)null })).Json(HttpStatusCode.OK);
        Assert.True(cleared.IsNull("rotation"));
        node.Time.Advance(TimeSpan.FromDays(31));
        await Scheduler(node).RunOnceAsync(default);
        Assert.Empty(await EventsAsync(tenant.Owner, "key.rotated"));
        Assert.True((await tenant.Owner.GetKeyAsync(key.Str("id"))).IsNull("rotated_to_id"));
    }

    [Fact]
    public async Task Schedule_OneDayWithoutGrace_DefaultGraceIsCutToHalfTheInterval()
    {
        var tenant = await fixture.NewTenantAsync();

        var key = await tenant.Owner.CreateKeyAsync(new { name = "k", rotation = new { every_days = 1 } });

        Assert.Equal(43200, key.GetProperty("rotation").GetProperty("grace_period_seconds").GetInt32());
    }

    public static TheoryData<string, string> InvalidSchedules => new()
    {
        { """{"every_days": 0}""", "rotation.every_days" },
        { """{"every_days": 366}""", "rotation.every_days" },
        { """{"grace_period_seconds": 60}""", "rotation.every_days" },
        { """{"every_days": 7, "notify_days_before": 7}""", "rotation.notify_days_before" },
        { """{"every_days": 7, "notify_days_before": -1}""", "rotation.notify_days_before" },
        { """{"every_days": 7, "grace_period_seconds": 59}""", "rotation.grace_period_seconds" },
        { """{"every_days": 1, "grace_period_seconds": 86400}""", "rotation.grace_period_seconds" },
        { """{"every_days": 60, "grace_period_seconds": 2592001}""", "rotation.grace_period_seconds" },
    };

    [Theory]
    [MemberData(nameof(InvalidSchedules))]
    public async Task Schedule_OutOfBounds_Returns400NamingTheField_OnCreateAndPatch(string rotation, string field)
    {
        var tenant = await fixture.NewTenantAsync();
        var key = await tenant.Owner.CreateKeyAsync(new { name = "k" });

        var create = await (await tenant.Owner.PostRaw("/v1/keys", $$"""{"name": "k", "rotation": {{rotation}}}""")).Problem(HttpStatusCode.BadRequest, "validation.failed");
        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/v1/keys/{key.Str("id")}")
        {
            Content = new StringContent($$"""{"rotation": {{rotation}}}""", Encoding.UTF8, "application/json"),
        };
        var patched = await (await tenant.Owner.SendAsync(patch)).Problem(HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(create.GetProperty("errors").TryGetProperty(field, out _), create.GetRawText());
        Assert.True(patched.GetProperty("errors").TryGetProperty(field, out _), patched.GetRawText());
        Assert.True((await tenant.Owner.GetKeyAsync(key.Str("id"))).IsNull("rotation"));
    }

    [Fact]
    public async Task Schedule_UnknownField_IsRefused()
    {
        var tenant = await fixture.NewTenantAsync();

        await (await tenant.Owner.PostRaw("/v1/keys", """{"name": "k", "rotation": {"every_days": 7, "every_hours": 1}}"""))
            .Problem(HttpStatusCode.BadRequest, "validation.unknown_field");
    }

    [Fact]
    public async Task Schedule_OnARotatedKey_IsRefused()
    {
        var tenant = await fixture.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k" });
        await tenant.Owner.RotateAsync(old.Str("id"), 60);

        var problem = await (await tenant.Owner.PatchJson($"/v1/keys/{old.Str("id")}", new { rotation = new { every_days = 7 } }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty("rotation", out _));
    }

    [Fact]
    public async Task SuccessorSecret_ThatDoesNotOpen_IsAProblemAndStaysStored()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "svc", rotation = new { every_days = 1 } });
        var oldId = old.Str("id");
        node.Time.Advance(TimeSpan.FromDays(1));
        await Scheduler(node).RunOnceAsync(default);
        var damaged = (await SealedSecretAsync(node, oldId))!.ToArray();
        damaged[^1] ^= 1; // as under another master key: the AES-GCM tag no longer matches
        await using (var scope = node.Node.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<KeelDb>().Keys.Where(k => k.Id == oldId)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.SuccessorSecret, damaged));
        }

        await (await tenant.Owner.GetAsync($"/v1/keys/{oldId}/successor-secret")).Problem(HttpStatusCode.InternalServerError, "server.secret_unreadable");

        // Not consumed: restoring the key the secret was sealed under makes it fetchable again.
        Assert.Equal(damaged, await SealedSecretAsync(node, oldId));
    }

    internal static RotationScheduler Scheduler(FakeClockNode node) => node.Node.Services.GetRequiredService<RotationScheduler>();

    static async Task<byte[]?> SealedSecretAsync(FakeClockNode node, string keyId)
    {
        await using var scope = node.Node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        return await db.Keys.Where(k => k.Id == keyId).Select(k => k.SuccessorSecret).SingleAsync();
    }

    /// <summary>The payloads of the tenant's events of one type, oldest first.</summary>
    internal static async Task<JsonElement[]> EventsAsync(HttpClient owner, string type)
    {
        var page = await (await owner.GetAsync($"/v1/events?type={type}")).Json(HttpStatusCode.OK);
        return [.. page.GetProperty("data").EnumerateArray().Reverse().Select(e => e.GetProperty("payload"))];
    }
}

public sealed class RotationScheduleTests_Sqlite(SqliteFixture f) : RotationScheduleTests(f), IClassFixture<SqliteFixture>;

public sealed class RotationScheduleTests_Postgres(PostgresFixture f) : RotationScheduleTests(f), IClassFixture<PostgresFixture>;
