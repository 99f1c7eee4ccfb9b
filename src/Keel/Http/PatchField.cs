using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel.Http;

/// <summary>
/// A PATCH field: absent (leave as is), or present with a value that may be null (clear it).
/// A plain nullable cannot tell "absent" from "null"; this can, because the serializer calls the
/// converter only for fields that are in the body.
/// </summary>
[JsonConverter(typeof(PatchFieldConverterFactory))]
public readonly record struct PatchField<T>(bool IsSet, T? Value);

/// <summary>
/// A PATCH field that may be left out but never sent as null: its T is nullable only so that a null reaches
/// validation, which names the field, instead of failing to bind. The OpenAPI document leaves null out.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NullRefusedAttribute : Attribute;

internal sealed class PatchFieldConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(PatchField<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(PatchFieldConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    sealed class PatchFieldConverter<T> : JsonConverter<PatchField<T>>
    {
        public override bool HandleNull => true;

        public override PatchField<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return new(true, default);
            }
            try
            {
                return new(true, JsonSerializer.Deserialize<T>(ref reader, options));
            }
            catch (JsonException e) when (e.Path is not null)
            {
                // The nested call reports its path from "$". Without a path, the outer serializer fills in
                // the field's own ("$.name"), which is what the problem's `errors` must name.
                throw new JsonException(e.Message, e);
            }
        }

        public override void Write(Utf8JsonWriter writer, PatchField<T> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.Value, options);
    }
}
