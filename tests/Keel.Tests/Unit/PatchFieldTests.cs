using System.Text.Json;
using Keel.Http;
using Keel.Keys;

namespace Keel.Tests.Unit;

public sealed class PatchFieldTests
{
    static readonly JsonSerializerOptions Json = KeelJson();

    static JsonSerializerOptions KeelJson()
    {
        var options = new JsonSerializerOptions();
        ProblemDetailsSetup.ConfigureJson(options);
        return options;
    }

    static UpdateKeyRequest Read(string body) => JsonSerializer.Deserialize<UpdateKeyRequest>(body, Json)!;

    [Fact]
    public void Read_EmptyBody_NothingSet()
    {
        var patch = Read("{}");

        Assert.False(patch.Name.IsSet);
        Assert.False(patch.Scopes.IsSet);
        Assert.False(patch.Meta.IsSet);
        Assert.False(patch.ExpiresAt.IsSet);
    }

    [Fact]
    public void Read_Null_SetWithNullValue()
    {
        var patch = Read("""{"expires_at": null, "meta": null, "name": null, "scopes": null}""");

        Assert.Equal(new PatchField<DateTimeOffset?>(true, null), patch.ExpiresAt);
        Assert.True(patch.Meta.IsSet);
        Assert.Null(patch.Meta.Value);
        Assert.Equal(new PatchField<string>(true, null), patch.Name);
        Assert.True(patch.Scopes.IsSet);
        Assert.Null(patch.Scopes.Value);
    }

    [Fact]
    public void Read_Values_SetWithThem()
    {
        var patch = Read("""{"name": "Renamed", "scopes": ["a", "b"], "meta": {"plan": "gold"}, "expires_at": "2030-01-02T03:04:05Z"}""");

        Assert.Equal(new PatchField<string>(true, "Renamed"), patch.Name);
        Assert.Equal(["a", "b"], patch.Scopes.Value!);
        Assert.Equal("gold", patch.Meta.Value!.Value.GetProperty("plan").GetString());
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), patch.ExpiresAt.Value);
    }

    [Fact]
    public void Read_OnlyOneField_OthersStayUnset()
    {
        var patch = Read("""{"scopes": []}""");

        Assert.True(patch.Scopes.IsSet);
        Assert.Empty(patch.Scopes.Value!);
        Assert.False(patch.Name.IsSet);
        Assert.False(patch.ExpiresAt.IsSet);
    }

    [Fact]
    public void Read_WrongTypeInside_JsonException()
    {
        Assert.Throws<JsonException>(() => Read("""{"scopes": "a"}"""));
        Assert.Throws<JsonException>(() => Read("""{"expires_at": 5}"""));
    }

    [Fact]
    public void Write_Field_WritesOnlyItsValue()
    {
        Assert.Equal("\"x\"", JsonSerializer.Serialize(new PatchField<string>(true, "x"), Json));
        Assert.Equal("null", JsonSerializer.Serialize(new PatchField<string>(true, null), Json));
    }
}
