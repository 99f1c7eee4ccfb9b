using Microsoft.OpenApi;

namespace Keel.ClientGen;

/// <summary>Readings of OpenAPI 3.1 schemas that the Go mapping needs, independent of Go.</summary>
internal static class Schemas
{
    /// <summary>
    /// The schema without its null alternative, and whether it had one. 3.1 writes a nullable value two
    /// ways, <c>type: ["null", "string"]</c> and <c>oneOf: [{type: "null"}, {$ref}]</c>; both read as nullable.
    /// </summary>
    public static (IOpenApiSchema Schema, bool Nullable) WithoutNull(IOpenApiSchema schema)
    {
        foreach (var alternatives in new[] { schema.OneOf, schema.AnyOf })
        {
            if (alternatives is { Count: 2 } && alternatives.Count(IsNull) == 1)
            {
                return (alternatives.Single(a => !IsNull(a)), true);
            }
        }
        return (schema, schema.Type is { } type && type.HasFlag(JsonSchemaType.Null));
    }

    /// <summary>The types a schema allows besides null; none when it says nothing.</summary>
    public static JsonSchemaType NonNullType(IOpenApiSchema schema) => (schema.Type ?? 0) & ~JsonSchemaType.Null;

    /// <summary>The component a schema refers to, or null when it is written in place.</summary>
    public static string? ReferenceId(IOpenApiSchema schema) => (schema as OpenApiSchemaReference)?.Reference.Id;

    /// <summary>
    /// What the document says about this use of a schema: the description beside a <c>$ref</c> (not the
    /// component's own, which its type already carries), else the schema's.
    /// </summary>
    public static string? Description(IOpenApiSchema schema)
    {
        if (schema is OpenApiSchemaReference reference)
        {
            return reference.Reference.Description;
        }
        if (!string.IsNullOrWhiteSpace(schema.Description))
        {
            return schema.Description;
        }
        var (inner, nullable) = WithoutNull(schema);
        return nullable && !ReferenceEquals(inner, schema) ? Description(inner) : null;
    }

    /// <summary>The string values of an enum, without the null a nullable enum lists.</summary>
    public static IReadOnlyList<string> EnumValues(IOpenApiSchema schema) =>
        schema.Enum is null
            ? []
            : [.. schema.Enum.Where(v => v is not null && !JsonNullSentinel.IsJsonNullSentinel(v)).Select(v => v!.GetValue<string>())];

    static bool IsNull(IOpenApiSchema schema) => schema.Type == JsonSchemaType.Null;
}
