using System.Text.Json;
using Keel.Http;
using Keel.Keys;
using Microsoft.AspNetCore.Http;

namespace Keel.Tests.Unit;

/// <summary>
/// <see cref="KeelExceptionHandler.Classify"/> on the exceptions System.Text.Json and ASP.NET Core
/// really throw, with Keel's JSON settings, so a change in their messages breaks a test here.
/// </summary>
public sealed class ExceptionClassificationTests
{
    static readonly JsonSerializerOptions Json = KeelJson();

    static JsonSerializerOptions KeelJson()
    {
        var options = new JsonSerializerOptions();
        ProblemDetailsSetup.ConfigureJson(options);
        return options;
    }

    static JsonException ThrownBy<T>(string body) =>
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<T>(body, Json));

    // What a minimal API throws when it cannot bind the body (RouteHandlerOptions.ThrowOnBadRequest).
    static BadHttpRequestException Wrapped(Exception inner) =>
        new("""Failed to read parameter "VerifyKeyRequest body" from the request body as JSON.""", 400, inner);

    [Theory]
    [InlineData("{")]
    [InlineData("{\"key\": }")]
    [InlineData("not json")]
    [InlineData("{\"key\": \"a\",}")]
    public void Classify_BrokenJson_MalformedJsonWithPosition(string body)
    {
        var (error, detail, errors) = KeelExceptionHandler.Classify(Wrapped(ThrownBy<VerifyKeyRequest>(body)));

        Assert.Equal(ErrorCodes.MalformedJson, error);
        Assert.Matches(@"^The body is not valid JSON \(line \d+, byte \d+\)\.$", detail);
        Assert.Null(errors);
    }

    [Fact]
    public void Classify_BrokenJsonOnSecondLine_ReportsOneBasedLine()
    {
        var (_, detail, _) = KeelExceptionHandler.Classify(Wrapped(ThrownBy<VerifyKeyRequest>("{\n  \"key\": nope}")));

        Assert.StartsWith("The body is not valid JSON (line 2, ", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"key\": \"k\", \"cost\": \"1\"}", "cost")]
    [InlineData("{\"key\": 5}", "key")]
    [InlineData("{\"key\": \"k\", \"scopes\": [\"a\", 1]}", "scopes[1]")]
    [InlineData("{\"key\": \"k\", \"scopes\": \"a\"}", "scopes")]
    [InlineData("[]", "body")]
    public void Classify_WrongJsonType_InvalidTypeNamingTheField(string body, string field)
    {
        var (error, detail, errors) = KeelExceptionHandler.Classify(Wrapped(ThrownBy<VerifyKeyRequest>(body)));

        Assert.Equal(ErrorCodes.InvalidType, error);
        Assert.Contains($"'{field}'", detail, StringComparison.Ordinal);
        Assert.Equal([field], errors!.Keys);
    }

    [Theory]
    [InlineData("{\"scopes\": \"a\"}", "scopes")]
    [InlineData("{\"name\": 5}", "name")]
    [InlineData("{\"expires_at\": \"soon\"}", "expires_at")]
    public void Classify_WrongTypeInPatchField_InvalidTypeNamingTheField(string body, string field)
    {
        var (error, _, errors) = KeelExceptionHandler.Classify(Wrapped(ThrownBy<UpdateKeyRequest>(body)));

        Assert.Equal(ErrorCodes.InvalidType, error);
        Assert.Equal([field], errors!.Keys);
    }

    [Fact]
    public void Classify_UnknownField_UnknownFieldNamingIt()
    {
        var (error, detail, errors) = KeelExceptionHandler.Classify(Wrapped(ThrownBy<VerifyKeyRequest>("{\"key\": \"k\", \"scope\": []}")));

        Assert.Equal(ErrorCodes.UnknownField, error);
        Assert.Equal("Unknown field 'scope'.", detail);
        Assert.Equal(["scope"], errors!.Keys);
    }

    [Fact]
    public void Classify_PascalCaseField_UnknownField()
    {
        // snake_case is the contract; "Key" is not "key".
        var (error, _, errors) = KeelExceptionHandler.Classify(Wrapped(ThrownBy<VerifyKeyRequest>("{\"Key\": \"k\"}")));

        Assert.Equal(ErrorCodes.UnknownField, error);
        Assert.Equal(["Key"], errors!.Keys);
    }

    [Fact]
    public void Classify_BodyTooLarge_413Code()
    {
        var (error, _, _) = KeelExceptionHandler.Classify(new BadHttpRequestException("Request body too large.", 413));

        Assert.Equal(ErrorCodes.BodyTooLarge, error);
        Assert.Equal(413, error.Status);
    }

    [Fact]
    public void Classify_WrongContentType_415Code()
    {
        var (error, _, _) = KeelExceptionHandler.Classify(
            new BadHttpRequestException("Expected a supported JSON media type but got \"text/plain\".", 415));

        Assert.Equal(ErrorCodes.UnsupportedMediaType, error);
        Assert.Equal(415, error.Status);
    }

    [Fact]
    public void Classify_MissingBody_BodyRequired()
    {
        var (error, _, _) = KeelExceptionHandler.Classify(
            new BadHttpRequestException("""Implicit body inferred for parameter "body" but no body was provided. Did you mean to use a Service instead?"""));

        Assert.Equal(ErrorCodes.BodyRequired, error);
    }

    [Fact]
    public void Classify_OtherBadRequest_BadRequestWithItsMessage()
    {
        var (error, detail, _) = KeelExceptionHandler.Classify(
            new BadHttpRequestException("""Failed to bind parameter "int limit" from "x"."""));

        Assert.Equal(ErrorCodes.BadRequest, error);
        Assert.Equal("""Failed to bind parameter "int limit" from "x".""", detail);
    }

    [Fact]
    public void Classify_ProblemException_PassedThrough()
    {
        var errors = new Dictionary<string, string[]> { ["limit"] = ["bad"] };

        var classified = KeelExceptionHandler.Classify(new ProblemException(ErrorCodes.InvalidQuery, "The list parameters are invalid.", errors));

        Assert.Equal((ErrorCodes.InvalidQuery, "The list parameters are invalid.", errors), classified);
    }

    [Theory]
    [InlineData(typeof(InvalidOperationException))]
    [InlineData(typeof(NullReferenceException))]
    [InlineData(typeof(ArgumentException))]
    public void Classify_AnythingElse_InternalErrorWithoutItsMessage(Type type)
    {
        var exception = (Exception)Activator.CreateInstance(type, "connection string Password=hunter2")!;

        var (error, detail, errors) = KeelExceptionHandler.Classify(exception);

        Assert.Equal("server.internal_error", error.Code);
        Assert.Equal(500, error.Status);
        Assert.Null(detail);
        Assert.Null(errors);
    }

    [Fact]
    public void Classify_JsonExceptionDeepInside_StillFound()
    {
        var inner = ThrownBy<VerifyKeyRequest>("{\"cost\": true}");

        var (error, _, _) = KeelExceptionHandler.Classify(new InvalidOperationException("outer", Wrapped(inner)));

        Assert.Equal(ErrorCodes.InvalidType, error);
    }

    [Fact]
    public void Classify_JsonExceptionNotFromTheBody_IsInternal()
    {
        // What writing an answer nested deeper than the writer allows throws: Keel's failure, not the client's.
        var deep = JsonElement.Parse(new string('[', 70) + new string(']', 70), new JsonDocumentOptions { MaxDepth = 100 });
        var thrown = Assert.ThrowsAny<Exception>(() => JsonSerializer.Serialize(deep, Json));

        var (error, _, _) = KeelExceptionHandler.Classify(thrown);

        Assert.Equal(ErrorCodes.InternalError, error);
    }

    [Fact]
    public void Classify_InvalidUtf8ReadInTheHandler_MalformedJson()
    {
        using var document = JsonDocument.Parse((byte[])[.. "{\"meta\": \""u8, 0xC3, 0x28, .. "\"}"u8]);
        var thrown = Assert.ThrowsAny<InvalidOperationException>(() => document.RootElement.GetProperty("meta").GetString());

        var (error, detail, _) = KeelExceptionHandler.Classify(thrown);

        Assert.Equal(ErrorCodes.MalformedJson, error);
        Assert.Equal("The body is not valid UTF-8.", detail);
    }

    [Fact]
    public void Classify_NulInText_ValidationFailedNamingTheField()
    {
        var (error, _, errors) = KeelExceptionHandler.Classify(Wrapped(ThrownBy<VerifyKeyRequest>("{\"key\": \"a\\u0000b\"}")));

        Assert.Equal(ErrorCodes.ValidationFailed, error);
        Assert.Equal(["key"], errors!.Keys);
    }

    [Fact]
    public void Classify_NulInTextOfAPatchField_ValidationFailedNamingTheField()
    {
        var (error, _, errors) = KeelExceptionHandler.Classify(Wrapped(ThrownBy<UpdateKeyRequest>("{\"name\": \"a\\u0000b\"}")));

        Assert.Equal(ErrorCodes.ValidationFailed, error);
        Assert.Equal(["name"], errors!.Keys);
    }

    [Fact]
    public void Classify_TextWithTheSameWordsAsTheNulMessage_IsNotTakenForIt()
    {
        var (error, _, _) = KeelExceptionHandler.Classify(Wrapped(new JsonException("Text may not contain the NUL character (U+0000).")));

        Assert.Equal(ErrorCodes.MalformedJson, error);
    }

    [Theory]
    [InlineData("application/json; charset=nonsense", true)]
    [InlineData("application/json; charset=\"nonsense\"", true)]
    [InlineData("application/json; charset=utf-16", false)]
    [InlineData("application/json; charset=\"UTF-8\"", false)]
    [InlineData("application/json; charset=latin1", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void NamesUnknownCharset_JudgesTheCharsetAsAspNetCoreDoes(string? contentType, bool unknown)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = contentType;

        Assert.Equal(unknown, KeelExceptionHandler.NamesUnknownCharset(context.Request));
    }

    public static TheoryData<Exception> Unreachable() =>
    [
        new Npgsql.NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111)),
        new Microsoft.Data.Sqlite.SqliteException("database is locked", 5),
        new TimeoutException("timed out"),
        new InvalidOperationException("transient failure", new Npgsql.NpgsqlException("broken", new IOException("reset"))),
    ];

    [Theory]
    [MemberData(nameof(Unreachable))]
    public void Classify_DependencyUnreachableOrBusy_UnavailableNot500(Exception exception)
    {
        var (error, _, _) = KeelExceptionHandler.Classify(exception);

        Assert.Equal(ErrorCodes.Unavailable, error);
    }

    [Fact]
    public void Classify_PermanentDatabaseError_StaysInternal()
    {
        var (error, _, _) = KeelExceptionHandler.Classify(new Npgsql.NpgsqlException("syntax error"));

        Assert.Equal(ErrorCodes.InternalError, error);
    }
}
