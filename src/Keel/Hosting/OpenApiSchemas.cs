using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Keel.Http;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Keel.Hosting;

/// <summary>
/// Makes every schema say what its JSON is. Keel's string converter (<see cref="NulFreeStrings"/>) hides
/// strings from the schema generator, so they are typed here; null, enums and formats come from the contract
/// records: nullable annotations, <c>[Required]</c> (a request field that must be sent, never null),
/// <see cref="NullRefusedAttribute"/> (a PATCH field that may be left out but not sent as null), <c>[AllowedValues]</c>,
/// <c>[Url]</c> and, on query parameters, <c>[DataType(DataType.DateTime)]</c>, <c>[Range]</c> and <c>[DefaultValue]</c>.
/// </summary>
internal static class OpenApiSchemas
{
    /// <summary>What each <see cref="JsonElement"/> field holds, by its JSON name; a new one must be listed.</summary>
    static readonly Dictionary<string, JsonSchemaType> JsonValues = new(StringComparer.Ordinal)
    {
        ["meta"] = JsonSchemaType.Object,
        ["schema"] = JsonSchemaType.Object | JsonSchemaType.Boolean,
        ["payload"] = JsonSchemaType.Object | JsonSchemaType.Array | JsonSchemaType.String | JsonSchemaType.Number | JsonSchemaType.Boolean,
    };

    public static async Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var info = context.JsonTypeInfo;
        if (info.Type == typeof(string) && schema.Type is null)
        {
            schema.Type = JsonSchemaType.String;
        }
        if (context.JsonPropertyInfo is null && context.ParameterDescription is { } parameter && parameter.Source != BindingSource.Body)
        {
            DescribeParameter(schema, parameter);
        }
        if (info.Kind != JsonTypeInfoKind.Object || IsPatchField(info.Type, out _))
        {
            return;
        }
        // Request semantics: only [Required] fields must be sent. Response schemas, whose fields are all
        // always written, are made all-required by OpenApiDocumentRules once it knows where each is used.
        schema.Required = new HashSet<string>(info.Properties.Where(p => Attributes(p).OfType<RequiredAttribute>().Any()).Select(p => p.Name));
        foreach (var property in info.Properties)
        {
            if (schema.Properties?.TryGetValue(property.Name, out var current) == true)
            {
                schema.Properties[property.Name] = await DescribePropertyAsync(current, property, context, ct);
            }
        }
    }

    static async Task<IOpenApiSchema> DescribePropertyAsync(IOpenApiSchema current, JsonPropertyInfo property, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var attributes = Attributes(property);
        var nullable = MayBeNull(property, attributes);
        var type = property.PropertyType;
        if (IsPatchField(type, out var inner))
        {
            // On the wire a PATCH field is its T, left out to keep the current value.
            type = inner;
            current = new OpenApiSchema();
            if (!IsJsonElement(inner))
            {
                current = await context.GetOrCreateSchemaAsync(Nullable.GetUnderlyingType(inner) ?? inner, null, ct);
                if (IsComponent(current))
                {
                    // A record: the resolver turns it into a reference; null is a second branch beside it.
                    return nullable ? new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, current] } : current;
                }
            }
        }
        if (IsJsonElement(type))
        {
            var name = property.Name;
            if (!JsonValues.TryGetValue(name, out var kinds))
            {
                throw new InvalidOperationException($"Say which JSON values '{name}' ({property.DeclaringType.Name}) holds in {nameof(OpenApiSchemas)}.{nameof(JsonValues)}.");
            }
            return new OpenApiSchema
            {
                Type = nullable ? kinds | JsonSchemaType.Null : kinds,
                // Any JSON value, when it may be an array, may hold any JSON values.
                Items = kinds.HasFlag(JsonSchemaType.Array) ? new OpenApiSchema() : null,
                Description = (current as OpenApiSchema)?.Description,
            };
        }
        if (current is not OpenApiSchema schema)
        {
            return current;
        }
        if (IsComponent(schema))
        {
            // A record keeps its own schema; whether the field may be null is the resolver's wrapper.
            if (!nullable)
            {
                schema.Metadata?.Remove(NullableProperty);
            }
            return schema;
        }
        if (type == typeof(string) && schema.Type is null)
        {
            schema.Type = JsonSchemaType.String;
        }
        if (IsList(type) && ElementOf(type) == typeof(string) && schema.Items is null or OpenApiSchema { Type: null })
        {
            // The generator drops the untyped schema of the items along with their type.
            schema.Items = new OpenApiSchema { Type = JsonSchemaType.String };
        }
        if (schema.Type is { } t)
        {
            schema.Type = nullable ? t | JsonSchemaType.Null : t & ~JsonSchemaType.Null;
        }
        Apply(schema, attributes, nullable);
        return schema;
    }

    /// <summary>
    /// Query and header parameters are bound as text so that a bad value gets a catalogued problem; the
    /// schema says what the text must hold.
    /// </summary>
    static void DescribeParameter(OpenApiSchema schema, ApiParameterDescription parameter)
    {
        if (parameter.ParameterDescriptor is not IParameterInfoParameterDescriptor { ParameterInfo: { } info })
        {
            return;
        }
        var attributes = info.GetCustomAttributes(inherit: true).OfType<Attribute>().ToList();
        if (schema.Type == JsonSchemaType.String && attributes.OfType<RangeAttribute>().Any())
        {
            // A whole number sent as text: [Range] says which, and its [DefaultValue] is text like the parameter.
            schema.Type = JsonSchemaType.Integer;
            schema.Format = attributes.OfType<RangeAttribute>().First().OperandType == typeof(int) ? "int32" : "int64";
            if (attributes.OfType<DefaultValueAttribute>().FirstOrDefault()?.Value is string text)
            {
                schema.Default = long.Parse(text, CultureInfo.InvariantCulture);
            }
        }
        if (attributes.OfType<DataTypeAttribute>().Any(d => d.DataType == DataType.DateTime))
        {
            schema.Format = "date-time";
        }
        Apply(schema, [.. attributes.Where(a => a is not DefaultValueAttribute || schema.Type != JsonSchemaType.Integer)], nullable: false);
    }

    static void Apply(OpenApiSchema schema, IReadOnlyList<Attribute> attributes, bool nullable)
    {
        var target = schema.Type?.HasFlag(JsonSchemaType.Array) == true && schema.Items is OpenApiSchema items ? items : schema;
        if (attributes.OfType<AllowedValuesAttribute>().FirstOrDefault() is { } allowed)
        {
            target.Enum = [.. allowed.Values.Select(v => JsonValue.Create(v?.ToString())).Cast<JsonNode>()];
            if (nullable && target == schema)
            {
                target.Enum.Add(JsonNullSentinel.JsonNull);
            }
        }
        if (attributes.OfType<UrlAttribute>().Any())
        {
            target.Format = "uri";
        }
        if (attributes.OfType<RangeAttribute>().FirstOrDefault() is { } range)
        {
            schema.Minimum = Convert.ToString(range.Minimum, CultureInfo.InvariantCulture);
            schema.Maximum = Convert.ToString(range.Maximum, CultureInfo.InvariantCulture);
        }
        if (attributes.OfType<DefaultValueAttribute>().FirstOrDefault() is { Value: { } value })
        {
            schema.Default = JsonSerializer.SerializeToNode(value);
        }
    }

    /// <summary>
    /// Whether null is a value the field takes: a nullable type, unless the field is [Required] or [NullRefused];
    /// for a PATCH field, its T decides (<c>PatchField&lt;string?&gt;</c> takes null to clear, <c>PatchField&lt;string&gt;</c> does not).
    /// </summary>
    static bool MayBeNull(JsonPropertyInfo property, IReadOnlyList<Attribute> attributes)
    {
        if (attributes.OfType<RequiredAttribute>().Any() || attributes.OfType<NullRefusedAttribute>().Any())
        {
            return false;
        }
        var type = property.PropertyType;
        var nullability = property.AttributeProvider switch
        {
            PropertyInfo p => new NullabilityInfoContext().Create(p),
            FieldInfo f => new NullabilityInfoContext().Create(f),
            _ => null,
        };
        if (IsPatchField(type, out var inner))
        {
            return Nullable.GetUnderlyingType(inner) is not null
                || (!inner.IsValueType && nullability?.GenericTypeArguments[0].ReadState == NullabilityState.Nullable);
        }
        return Nullable.GetUnderlyingType(type) is not null || (!type.IsValueType && nullability?.ReadState == NullabilityState.Nullable);
    }

    /// <summary>Marks a schema that becomes a component (a record), as Microsoft.AspNetCore.OpenApi does.</summary>
    static bool IsComponent(IOpenApiSchema schema) =>
        schema is OpenApiSchema { Metadata: { } metadata } && metadata.TryGetValue("x-schema-id", out var id) && id is string { Length: > 0 };

    /// <summary>The framework's mark of a field whose record may be null, which it turns into <c>oneOf: [null, $ref]</c>.</summary>
    const string NullableProperty = "x-is-nullable-property";

    static List<Attribute> Attributes(JsonPropertyInfo property) =>
        property.AttributeProvider?.GetCustomAttributes(inherit: true).OfType<Attribute>().ToList() ?? [];

    static bool IsPatchField(Type type, out Type inner)
    {
        var patch = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(PatchField<>);
        inner = patch ? type.GetGenericArguments()[0] : type;
        return patch;
    }

    static bool IsJsonElement(Type type) => (Nullable.GetUnderlyingType(type) ?? type) == typeof(JsonElement);

    static bool IsList(Type type) => type != typeof(string) && ElementOf(type) is not null;

    static Type? ElementOf(Type type) => type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
}
