using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel.Http;

/// <summary>
/// Refuses U+0000 in every JSON string. PostgreSQL text cannot hold it and SQLite can; refusing it at
/// the edge gives both providers the same answer (400 <c>validation.failed</c> naming the field).
/// </summary>
internal sealed class NulFreeStrings : JsonConverter<string>
{
    public const string Message = "Text may not contain the NUL character (U+0000).";

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return text is not null && text.Contains('\0', StringComparison.Ordinal) ? throw new NulInTextException() : text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>What <see cref="NulFreeStrings"/> throws: a type of its own, so the error handler need not read the message.</summary>
internal sealed class NulInTextException() : JsonException(NulFreeStrings.Message);
