using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Keel.Http;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Keel.Tests.Unit;
using Keel.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Hostile;

/// <summary>
/// Issue 10, points 1 and 2, against a real Keel process: a developer-role key tries to stop Keel for
/// every tenant through an event-type schema or through JSON nested deep enough to break later answers.
/// </summary>
public abstract class HostileSchemaTests(HostileProcessFixture fixture)
{
    public static TheoryData<string> RefusedAtTheDoor() =>
    [
        """{"allOf":[{"$ref":"#"}]}""",
        """{"not":{"$ref":"#"}}""",
        """{"$ref":"#/$defs/nope"}""",
        EventSchemasTests.DoublingChain(18, steppingIn: false),
    ];

    [Theory]
    [MemberData(nameof(RefusedAtTheDoor))]
    public async Task EventType_SchemaThatCannotEnd_RefusedAndKeelStaysUp(string schema)
    {
        var (_, owner, developer) = await fixture.NewTenantAsync();
        using (owner)
        using (developer)
        {
            var body = $"{{\"name\":\"attack.type\",\"schema\":{schema}}}";
            var problem = await (await developer.PostRaw("/v1/event-types", body)).Problem(HttpStatusCode.BadRequest, "validation.failed");
            Assert.True(problem.GetProperty("errors").TryGetProperty("schema", out _), problem.GetRawText());

            // Nothing was stored, so a publish of the type is unchecked and fine.
            await (await developer.PostJson("/v1/events", new { type = "attack.type", payload = new { a = 1 } })).Json(HttpStatusCode.Accepted);
            await fixture.AssertAliveAsync();
        }
    }

    public static TheoryData<string, string> CostlyAtPublish() => new()
    {
        { EventSchemasTests.DoublingChain(18, steppingIn: true), new string('[', 18) + "\"x\"" + new string(']', 18) },
        { """{"type":"string","pattern":"^(a+)+$"}""", $"\"{new string('a', 31)}!\"" },
        { """{"type":"object","patternProperties":{"^(a+)+$":{"type":"string"}}}""", $"{{\"{new string('a', 31)}!\":1}}" },
    };

    [Theory]
    [MemberData(nameof(CostlyAtPublish))]
    public async Task Publish_SchemaThatRunsAway_StopsOnItsBudgetWhileOthersPublish(string schema, string payload)
    {
        var (_, owner, developer) = await fixture.NewTenantAsync();
        var (_, bystander, bystanderDeveloper) = await fixture.NewTenantAsync();
        using (owner)
        using (developer)
        using (bystander)
        using (bystanderDeveloper)
        {
            await (await developer.PostRaw("/v1/event-types", $"{{\"name\":\"costly.type\",\"schema\":{schema}}}")).Json(HttpStatusCode.Created);

            var clock = Stopwatch.StartNew();
            // The bystander publishes while the attack runs.
            var answers = await Task.WhenAll(
                developer.PostRaw("/v1/events", $"{{\"type\":\"costly.type\",\"payload\":{payload}}}"),
                bystander.PostJson("/v1/events", new { type = "order.placed", payload = new { id = 1 } }));
            await answers[1].Json(HttpStatusCode.Accepted);
            var problem = await answers[0].Problem(HttpStatusCode.BadRequest, "webhooks.payload_invalid");

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the publish took {clock.Elapsed}");
            Assert.Contains("too", problem.GetProperty("errors").GetProperty("payload")[0].GetString(), StringComparison.Ordinal);
            await fixture.AssertAliveAsync();
        }
    }

    [Fact]
    public async Task Publish_LoopingSchemaStoredBeforeTheRules_RefusedEveryTimeNotACrash()
    {
        var (tenantId, owner, developer) = await fixture.NewTenantAsync();
        using (owner)
        using (developer)
        {
            // As an older Keel stored it: the next publish used to recurse until the process died, after every restart.
            using (var scope = fixture.Database.Node.Services.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
                db.EventTypes.Add(new EventType
                {
                    TenantId = tenantId,
                    Name = "legacy.type",
                    Schema = """{"allOf":[{"$ref":"#"}]}""",
                    CreatedAt = DateTime.UtcNow,
                    UpdatedAt = DateTime.UtcNow,
                });
                await db.SaveChangesAsync();
            }

            for (var i = 0; i < 2; i++)
            {
                var problem = await (await developer.PostJson("/v1/events", new { type = "legacy.type", payload = new { } }))
                    .Problem(HttpStatusCode.BadRequest, "webhooks.payload_invalid");
                Assert.Contains("no longer accepted", problem.GetRawText(), StringComparison.Ordinal);
            }
            await fixture.AssertAliveAsync();
        }
    }

    [Fact]
    public async Task Meta_DeeperThanStoredJsonMay_RefusedAndKeyListsStayReadable()
    {
        var (_, owner, developer) = await fixture.NewTenantAsync();
        using (owner)
        using (developer)
        {
            // 62 levels passed the reader's 64 and then broke every GET /v1/keys for good.
            var problem = await (await developer.PostJson("/v1/keys", new { name = "deep", meta = HostileProcessFixture.Nested(62) }))
                .Problem(HttpStatusCode.BadRequest, "validation.failed");
            Assert.True(problem.GetProperty("errors").TryGetProperty("meta", out _));
            await (await developer.PatchJson("/v1/keys/key_0000000000000000000000000000", new { meta = HostileProcessFixture.Nested(40) }))
                .Problem(HttpStatusCode.BadRequest, "validation.failed");

            await (await developer.PostJson("/v1/keys", new { name = "as deep as allowed", meta = HostileProcessFixture.Nested(JsonDepth.MaxStored) }))
                .Json(HttpStatusCode.Created);
            var keys = await (await developer.GetAsync("/v1/keys?limit=200")).Json(HttpStatusCode.OK);
            Assert.Contains(keys.GetProperty("data").EnumerateArray(), k => k.Str("name") == "as deep as allowed");
            await fixture.AssertAliveAsync();
        }
    }

    [Fact]
    public async Task KeyList_StoredMetaTooDeepToWrite_LoggedServerErrorNotTheClientsFault()
    {
        var (_, owner, developer) = await fixture.NewTenantAsync();
        using (owner)
        using (developer)
        {
            // A row as the old limits let it in: the list wraps it past the writer's 64 levels.
            var key = await (await developer.PostJson("/v1/keys", new { name = "planted" })).Json(HttpStatusCode.Created);
            using (var scope = fixture.Database.Node.Services.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
                var planted = await db.Keys.SingleAsync(k => k.Id == key.Str("id"));
                planted.Meta = HostileProcessFixture.Nested(62).GetRawText();
                await db.SaveChangesAsync();
            }

            var problem = await (await developer.GetAsync("/v1/keys?limit=200")).Problem(HttpStatusCode.InternalServerError, "server.internal_error");

            await fixture.Keel.WaitForOutputAsync(line => line.Contains("Unhandled exception on GET /v1/keys", StringComparison.Ordinal));
            Assert.DoesNotContain("depth", problem.GetRawText(), StringComparison.OrdinalIgnoreCase);
            await fixture.AssertAliveAsync();
        }
    }

    [Fact]
    public async Task PayloadAndSchema_DeeperThanStoredJsonMay_Refused()
    {
        var (_, owner, developer) = await fixture.NewTenantAsync();
        using (owner)
        using (developer)
        {
            await (await developer.PostJson("/v1/events", new { type = "deep.type", payload = HostileProcessFixture.Nested(40) }))
                .Problem(HttpStatusCode.BadRequest, "validation.failed");
            var schema = JsonElement.Parse(string.Concat(Enumerable.Repeat("{\"not\":", 40)) + "{}" + new string('}', 40));
            await (await developer.PostJson("/v1/event-types", new { name = "deep.type", schema }))
                .Problem(HttpStatusCode.BadRequest, "validation.failed");

            await (await developer.PostJson("/v1/events", new { type = "deep.type", payload = HostileProcessFixture.Nested(JsonDepth.MaxStored) }))
                .Json(HttpStatusCode.Accepted);
            await (await developer.GetAsync("/v1/events?limit=200")).Json(HttpStatusCode.OK);
            await fixture.AssertAliveAsync();
        }
    }
}

public sealed class HostileSchemaTests_Sqlite(HostileSqliteFixture f) : HostileSchemaTests(f), IClassFixture<HostileSqliteFixture>;

public sealed class HostileSchemaTests_Postgres(HostilePostgresFixture f) : HostileSchemaTests(f), IClassFixture<HostilePostgresFixture>;
