using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Keel.Webhooks;

namespace Keel.Tests.Unit;

/// <summary>Event-type schemas are code a tenant wrote: refused at the door when they cannot end, bounded when they run.</summary>
public sealed class EventSchemasTests : IDisposable
{
    readonly EventSchemas _schemas = new();

    public void Dispose() => _schemas.Dispose();

    static string? Refusal(string schema) => EventSchemas.TryCompile(schema, out _, out var error) ? null : error;

    IReadOnlyList<string> Check(string schema, string payload) =>
        _schemas.Check("ten_1", "t." + schema.GetHashCode(StringComparison.Ordinal), schema, JsonElement.Parse(payload));

    [Theory]
    [InlineData("""{"allOf":[{"$ref":"#"}]}""")]
    [InlineData("""{"not":{"$ref":"#"}}""")]
    [InlineData("""{"$ref":"#"}""")]
    [InlineData("""{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/b"}]},"b":{"if":{"$ref":"#/$defs/a"}}},"$ref":"#/$defs/a"}""")]
    [InlineData("""{"dependentSchemas":{"x":{"$ref":"#"}}}""")]
    public void TryCompile_RefLoopWithoutSteppingIn_Refused(string schema) =>
        Assert.Contains("without stepping into it", Refusal(schema));

    [Theory]
    [InlineData("""{"$ref":"#/$defs/nope"}""")]
    [InlineData("""{"$ref":"https://example.com/schema.json"}""")]
    [InlineData("""{"$ref":"other.json#/a"}""")]
    [InlineData("""{"$ref":"#anchor"}""")]
    [InlineData("""{"$defs":{"a":5},"$ref":"#/$defs/a"}""")]
    [InlineData("""{"$ref":"#/$defs/a/07"}""")]
    public void TryCompile_RefNotAPointerToALocalSchema_Refused(string schema) =>
        Assert.Contains("must be a JSON pointer into this schema", Refusal(schema));

    [Theory]
    [InlineData("""{"$dynamicRef":"#x"}""")]
    [InlineData("""{"$recursiveRef":"#"}""")]
    [InlineData("""{"$anchor":"x"}""")]
    [InlineData("""{"properties":{"a":{"$id":"https://example.com/a"}}}""")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-07/schema#"}""")]
    [InlineData("""{"properties":{"a":{"$schema":"https://json-schema.org/draft/2020-12/schema"}}}""")]
    public void TryCompile_DynamicScopeOtherDialectsOrEmbeddedResources_Refused(string schema) =>
        Assert.NotNull(Refusal(schema));

    /// <summary>
    /// The review's 1.3 KB schema: each level is anyOf of two refs to the next, 2^depth branches for one value;
    /// <paramref name="steppingIn"/> puts each level one array deeper.
    /// </summary>
    internal static string DoublingChain(int depth, bool steppingIn)
    {
        var defs = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            var next = $"{{\"$ref\":\"#/$defs/d{i + 1}\"}}";
            var level = $"{{\"anyOf\":[{next},{next}]}}";
            defs.Append($"\"d{i}\":{(steppingIn ? $"{{\"items\":{level}}}" : level)},");
        }
        defs.Append($"\"d{depth}\":{{\"type\":\"number\"}}");
        return $"{{\"$defs\":{{{defs}}},\"$ref\":\"#/$defs/d0\"}}";
    }

    [Fact]
    public void TryCompile_DoublingChainOnOneValue_RefusedAtTheDoor()
    {
        var error = Refusal(DoublingChain(18, steppingIn: false));

        Assert.Contains("more than 10000 subschemas", error);
    }

    [Fact]
    public void Check_DoublingChainThroughNestedArrays_StopsOnItsBudget()
    {
        // Stepping into an array at each level passes the static rules; only the budget can stop it.
        var schema = DoublingChain(18, steppingIn: true);
        Assert.Null(Refusal(schema));
        var payload = new string('[', 18) + "\"x\"" + new string(']', 18);

        var clock = Stopwatch.StartNew();
        var violations = Check(schema, payload);

        Assert.Contains(violations, v => v.Contains("against the schema takes too", StringComparison.Ordinal));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Check_CatastrophicPattern_StopsOnItsTimeout()
    {
        var clock = Stopwatch.StartNew();
        var violations = Check("""{"type":"string","pattern":"^(a+)+$"}""", $"\"{new string('a', 31)}!\"");

        Assert.Contains(violations, v => v.Contains("takes too long", StringComparison.Ordinal));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Check_SchemaNamingDraft202012_StillRunsOnTheBudget()
    {
        // $schema must not switch to the library's own, unbudgeted dialect.
        var schema = DoublingChain(18, steppingIn: true).Insert(1, "\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",");
        var payload = new string('[', 18) + "\"x\"" + new string(']', 18);

        Assert.Contains(Check(schema, payload), v => v.Contains("against the schema takes too", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_RecursiveTreeSchema_ChecksEveryLevel()
    {
        const string Tree = """{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}}}}""";

        Assert.Empty(Check(Tree, """{"name":"a","children":[{"name":"b","children":[{"name":"c"}]}]}"""));
        var violations = Check(Tree, """{"name":"a","children":[{"name":"b","children":[{"name":5}]}]}""");
        Assert.Contains(violations, v => v.StartsWith("/children/0/children/0/name", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_StoredSchemaNoLongerAccepted_ViolationNotCrash()
    {
        // A schema stored before these rules existed is refused at publish, every time, without running it.
        var violations = Check("""{"allOf":[{"$ref":"#"}]}""", "{}");

        Assert.Contains(violations, v => v.Contains("no longer accepted", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_OrdinarySchema_ListsEachViolation()
    {
        const string Invoice = """{"type":"object","required":["id","amount"],"properties":{"id":{"type":"string","pattern":"^inv_"},"amount":{"type":"integer","minimum":0}}}""";

        Assert.Empty(Check(Invoice, """{"id":"inv_1","amount":5}"""));
        var violations = Check(Invoice, """{"id":"x","amount":-1}""");
        Assert.Contains(violations, v => v.StartsWith("/id", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("/amount", StringComparison.Ordinal));
    }

    [Fact]
    public void TryCompile_DeeperThanStoredJsonMay_Refused()
    {
        var schema = string.Concat(Enumerable.Repeat("{\"not\":", 40)) + "{}" + new string('}', 40);

        Assert.Contains("nests more than 32 levels", Refusal(schema));
    }

    [Fact]
    public void TryCompile_LongChainOfRefsWithoutLoop_Accepted()
    {
        var defs = string.Join(',', Enumerable.Range(0, 300).Select(i => $"\"d{i}\":{{\"$ref\":\"#/$defs/d{i + 1}\"}}"));
        var schema = $"{{\"$defs\":{{{defs},\"d300\":{{\"type\":\"string\"}}}},\"$ref\":\"#/$defs/d0\"}}";

        Assert.Null(Refusal(schema));
        Assert.NotEmpty(Check(schema, "5"));
    }
}
