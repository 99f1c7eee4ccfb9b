using Microsoft.OpenApi;

namespace Keel.ClientGen;

/// <summary>
/// Maps the document's schemas to Go types and writes them (models_gen.go): one struct per component
/// schema that an operation sends or answers, one string type per enum (a component enum keeps its name).
/// </summary>
/// <remarks>
/// A field's Go type says what JSON it can carry. Required: the value (<c>*T</c> when it may be null,
/// except slices and maps, whose nil already is null). Optional: <c>*T</c> with <c>omitempty</c>, so
/// <c>false</c>, <c>0</c> and <c>[]</c> can still be sent. Optional and nullable, where the document gives
/// null a meaning of its own (<c>expires_at: null</c> removes an expiry): <c>Nullable[T]</c>, which tells
/// absent, null and a value apart.
/// </remarks>
internal sealed class GoTypes
{
    readonly OpenApiDocument _document;
    readonly SortedSet<string> _imports = new(StringComparer.Ordinal);

    public GoTypes(OpenApiDocument document, IEnumerable<EnumUse> operationEnums)
    {
        _document = document;
        var reachable = Reachable(document);
        Components = [.. reachable.Where(c => Schemas.EnumValues(Component(c)).Count == 0)];
        Enums = GoEnums.Name(reachable.Except(Components).Select(c => new EnumUse(Schemas.EnumValues(Component(c)), c, null))
            .Concat(ComponentEnums()).Concat(operationEnums));
    }

    /// <summary>The object component schemas the operations use, by name; <c>Problem</c> is not one (see errors.go).</summary>
    public IReadOnlyList<string> Components { get; }

    public GoEnums Enums { get; }

    public IOpenApiSchema Component(string name) => _document.Components!.Schemas![name];

    /// <summary>The Go type of a schema whose null alternative <see cref="Schemas.WithoutNull"/> took off.</summary>
    public string TypeOf(IOpenApiSchema schema)
    {
        if (Schemas.ReferenceId(schema) is { } id)
        {
            return id;
        }
        var type = Schemas.NonNullType(schema);
        switch (type)
        {
            case JsonSchemaType.String when Schemas.EnumValues(schema).Count > 0:
                return Enums.NameOf(schema);
            case JsonSchemaType.String when schema.Format == "date-time":
                return "time.Time";
            case JsonSchemaType.String:
                return "string";
            case JsonSchemaType.Integer:
                return schema.Format switch { "int32" => "int32", "int64" => "int64", _ => "int" };
            case JsonSchemaType.Number:
                return schema.Format == "float" ? "float32" : "float64";
            case JsonSchemaType.Boolean:
                return "bool";
            case JsonSchemaType.Array when schema.Items is not null:
                return "[]" + TypeOf(schema.Items);
            case JsonSchemaType.Object when schema.Properties is { Count: > 0 }:
                throw new NotSupportedException("An object with properties written in place has no Go name; make it a component.");
            case JsonSchemaType.Object when schema.AdditionalProperties is { } values:
                return "map[string]" + TypeOf(Schemas.WithoutNull(values).Schema);
            case JsonSchemaType.Object:
                // A free-form object (a key's meta): what Go's JSON package decodes any object into.
                return "map[string]any";
            default:
                // Several types or none (an event's payload): any JSON value, kept as it came.
                return "json.RawMessage";
        }
    }

    /// <summary>The packages a Go type from <see cref="TypeOf"/> needs imported.</summary>
    public static IEnumerable<string> ImportsOf(string type)
    {
        if (type.Contains("time.", StringComparison.Ordinal))
        {
            yield return "time";
        }
        if (type.Contains("json.", StringComparison.Ordinal))
        {
            yield return "encoding/json";
        }
    }

    /// <summary>The Go type and JSON tag of a property (see the remarks on the class).</summary>
    public (string Type, string Tag) Field(string name, IOpenApiSchema schema, bool required)
    {
        var (inner, nullable) = Schemas.WithoutNull(schema);
        var type = TypeOf(inner);
        var nilable = type.StartsWith("[]", StringComparison.Ordinal) || type.StartsWith("map[", StringComparison.Ordinal) || type == "json.RawMessage";
        return (required, nullable) switch
        {
            (true, false) => (type, $"`json:\"{name}\"`"),
            (true, true) => (nilable ? type : "*" + type, $"`json:\"{name}\"`"),
            (false, false) => (type == "json.RawMessage" ? type : "*" + type, $"`json:\"{name},omitempty\"`"),
            (false, true) => ($"Nullable[{type}]", $"`json:\"{name},omitempty\"`"),
        };
    }

    /// <summary>models_gen.go: the structs and enums, sorted by name.</summary>
    public string WriteModels(string source)
    {
        var body = new GoWriter();
        var declarations = Components.Select(c => (Name: c, Write: (Action<GoWriter>)(w => WriteStruct(w, c))))
            .Concat(Enums.All.Select(e => (e.Name, (Action<GoWriter>)(w => WriteEnum(w, e.Name, e.Values)))))
            .OrderBy(d => d.Name, StringComparer.Ordinal);
        foreach (var (_, write) in declarations)
        {
            body.Line();
            write(body);
        }
        return GoFile.Write(source, _imports, body.ToString());
    }

    void WriteStruct(GoWriter w, string name)
    {
        var schema = Component(name);
        if (!string.IsNullOrWhiteSpace(schema.Description))
        {
            w.Comment(schema.Description);
        }
        w.Open($"type {name} struct {{");
        var required = schema.Required ?? new HashSet<string>();
        foreach (var (property, propertySchema) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
        {
            var (type, tag) = Field(property, propertySchema, required.Contains(property));
            _imports.UnionWith(ImportsOf(type));
            w.Row(Schemas.Description(propertySchema), GoNames.Exported(property), type, tag);
        }
        w.Close();
    }

    static void WriteEnum(GoWriter w, string name, IReadOnlyList<string> values)
    {
        w.Comment($"{name} is one of the {name} constants; a value this client does not know still decodes.");
        w.Line($"type {name} string");
        w.Line();
        w.Open("const (");
        foreach (var value in values)
        {
            w.Row(null, GoEnums.ConstantName(name, value), name, "= " + GoFile.Literal(value));
        }
        w.Close(")");
    }

    // Enums in the properties of the components, named after the property and the component.
    IEnumerable<EnumUse> ComponentEnums()
    {
        foreach (var component in Components)
        {
            foreach (var (property, schema) in Component(component).Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                var inner = Schemas.WithoutNull(schema).Schema;
                if (Schemas.ReferenceId(inner) is not null)
                {
                    continue; // a component of its own, named for itself
                }
                var candidate = GoNames.Exported(property);
                if (Schemas.NonNullType(inner) == JsonSchemaType.Array && inner.Items is not null)
                {
                    inner = inner.Items;
                    candidate = GoNames.Singular(candidate);
                }
                if (Schemas.EnumValues(inner).Count > 0)
                {
                    yield return new EnumUse(Schemas.EnumValues(inner), candidate, GoEnums.Qualifier(component));
                }
            }
        }
    }

    // Components reached from the JSON the operations send and answer with, following every $ref.
    static List<string> Reachable(OpenApiDocument document)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<IOpenApiSchema>(GoOperations.JsonSchemas(document));
        while (pending.TryPop(out var schema))
        {
            if (Schemas.ReferenceId(schema) is { } id && !found.Add(id))
            {
                continue;
            }
            var target = schema is OpenApiSchemaReference reference ? reference.Target! : schema;
            var children = (target.Properties?.Values ?? []).Concat(target.OneOf ?? []).Concat(target.AnyOf ?? [])
                .Append(target.Items).Append(target.AdditionalProperties).OfType<IOpenApiSchema>();
            foreach (var child in children)
            {
                pending.Push(child);
            }
        }
        return [.. found];
    }
}
