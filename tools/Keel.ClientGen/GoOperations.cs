using System.Text;
using Microsoft.OpenApi;

namespace Keel.ClientGen;

/// <summary>
/// Writes operations_gen.go: one method on <c>Client</c> per operation (named after its operationId),
/// a <c>XxxParams</c> struct for its query and header parameters, and a <c>XxxPager</c> method for
/// lists that take a <c>cursor</c>. The HTTP work itself is hand-written (client.go: <c>call</c>, <c>do</c>).
/// </summary>
internal sealed class GoOperations(OpenApiDocument document, GoTypes types)
{
    const string Json = "application/json";

    readonly SortedSet<string> _imports = new(StringComparer.Ordinal) { "context", "net/http" };

    /// <summary>One operation of the document, with the parameters of its path item and its own.</summary>
    sealed record Operation(string Name, HttpMethod Verb, string Path, OpenApiOperation Spec, IReadOnlyList<IOpenApiParameter> Parameters)
    {
        public IEnumerable<IOpenApiParameter> In(ParameterLocation location) => Parameters.Where(p => p.In == location);

        public bool HasParams => In(ParameterLocation.Query).Concat(In(ParameterLocation.Header)).Any();
    }

    /// <summary>The schemas of the JSON every operation sends and answers with (not its problem+json errors).</summary>
    public static IEnumerable<IOpenApiSchema> JsonSchemas(OpenApiDocument document) =>
        Operations(document).SelectMany(o => new[] { RequestSchema(o.Spec) }.Concat(SuccessSchemas(o.Spec))).OfType<IOpenApiSchema>();

    /// <summary>The enums of query and header parameters, for <see cref="GoEnums"/>.</summary>
    public static IEnumerable<EnumUse> ParameterEnums(OpenApiDocument document) =>
        from operation in Operations(document)
        from parameter in operation.Parameters
        where parameter.Schema is not null && Schemas.EnumValues(parameter.Schema).Count > 0
        select new EnumUse(Schemas.EnumValues(parameter.Schema!), GoNames.Exported(parameter.Name!), null);

    public string Write(string source)
    {
        var w = new GoWriter();
        foreach (var operation in Operations(document))
        {
            if (operation.HasParams)
            {
                w.Line();
                WriteParams(w, operation);
            }
            w.Line();
            WriteMethod(w, operation);
            if (PagedItem(operation) is { } item)
            {
                w.Line();
                WritePager(w, operation, item);
            }
        }
        return GoFile.Write(source, _imports, w.ToString());
    }

    void WriteParams(GoWriter w, Operation operation)
    {
        w.Comment($"{operation.Name}Params are the optional parameters of {operation.Name}; a zero field is left out of the request.");
        w.Open($"type {operation.Name}Params struct {{");
        foreach (var parameter in operation.In(ParameterLocation.Query).Concat(operation.In(ParameterLocation.Header)))
        {
            if (parameter.Required)
            {
                throw new NotSupportedException($"{operation.Name}: a required {parameter.In} parameter ({parameter.Name}) would be left out when zero.");
            }
            w.Row(parameter.Description, GoNames.Exported(parameter.Name!), ParameterType(parameter));
        }
        w.Close();
        w.Line();
        w.Open($"func (p *{operation.Name}Params) apply(r *call) {{");
        w.Open("if p == nil {");
        w.Line("return");
        w.Close();
        foreach (var parameter in operation.In(ParameterLocation.Query))
        {
            w.Line($"r.setQuery({GoFile.Literal(parameter.Name!)}, {QueryText(parameter)})");
        }
        foreach (var parameter in operation.In(ParameterLocation.Header))
        {
            if (ParameterType(parameter) != "string")
            {
                throw new NotSupportedException($"{operation.Name}: header {parameter.Name} is not a string.");
            }
            w.Line($"r.setHeader({GoFile.Literal(parameter.Name!)}, p.{GoNames.Exported(parameter.Name!)})");
        }
        w.Close();
    }

    // The query string text of a parameter; the helpers in client.go give "" (left out) for a zero value.
    string QueryText(IOpenApiParameter parameter)
    {
        var field = "p." + GoNames.Exported(parameter.Name!);
        return ParameterType(parameter) switch
        {
            "string" => field,
            "int64" => $"formatInt({field})",
            "int" or "int32" => $"formatInt(int64({field}))",
            "time.Time" => $"formatTime({field})",
            var type when Schemas.EnumValues(parameter.Schema!).Count > 0 => $"string({field})",
            var type => throw new NotSupportedException($"Query parameter {parameter.Name} is a {type}."),
        };
    }

    string ParameterType(IOpenApiParameter parameter)
    {
        var type = types.TypeOf(Schemas.WithoutNull(parameter.Schema!).Schema);
        _imports.UnionWith(GoTypes.ImportsOf(type));
        return type;
    }

    void WriteMethod(GoWriter w, Operation operation)
    {
        var arguments = new List<string> { "ctx context.Context" };
        foreach (var parameter in operation.In(ParameterLocation.Path))
        {
            arguments.Add(ParameterType(parameter) == "string"
                ? $"{GoNames.Unexported(parameter.Name!)} string"
                : throw new NotSupportedException($"{operation.Name}: path parameter {parameter.Name} is not a string."));
        }
        var (bodyType, bodyOptional) = Body(operation);
        if (bodyType is not null)
        {
            arguments.Add(bodyOptional ? $"body *{bodyType}" : $"body {bodyType}");
        }
        if (operation.HasParams)
        {
            arguments.Add($"params *{operation.Name}Params");
        }
        var result = Result(operation);
        _imports.UnionWith(GoTypes.ImportsOf($"{bodyType} {result}"));

        w.Comment(MethodDoc(operation));
        w.Open($"func (c *Client) {operation.Name}({string.Join(", ", arguments)}) {(result is null ? "error" : $"(*{result}, error)")} {{");
        var fields = $"method: http.Method{GoNames.Exported(operation.Verb.Method.ToLowerInvariant())}, path: {PathExpression(operation)}";
        if (Security(operation).Count == 0)
        {
            fields += ", noAuth: true";
        }
        if (bodyType is not null && !bodyOptional)
        {
            fields += ", body: body";
        }
        w.Line($"r := &call{{{fields}}}");
        if (bodyType is not null && bodyOptional)
        {
            // A nil pointer in the interface would be sent as JSON null; no body is what nil means.
            w.Open("if body != nil {");
            w.Line("r.body = body");
            w.Close();
        }
        if (operation.HasParams)
        {
            w.Line("params.apply(r)");
        }
        if (result is null)
        {
            w.Line("return c.do(ctx, r, nil)");
        }
        else
        {
            w.Line($"var out {result}");
            w.Open("if err := c.do(ctx, r, &out); err != nil {");
            w.Line("return nil, err");
            w.Close();
            w.Line("return &out, nil");
        }
        w.Close();
    }

    string MethodDoc(Operation operation)
    {
        var spec = operation.Spec;
        var doc = new StringBuilder($"{operation.Name} calls {operation.Verb.Method} {operation.Path}");
        if (!string.IsNullOrWhiteSpace(spec.Summary))
        {
            doc.Append(": ").Append(GoNames.LowerFirst(spec.Summary.TrimEnd('.')));
        }
        doc.Append('.');
        if (!string.IsNullOrWhiteSpace(spec.Description))
        {
            doc.Append("\n\n").Append(spec.Description.Trim());
        }
        var security = Security(operation);
        doc.Append("\n\n").Append(security.Count == 0
            ? "It needs no credentials; the client's token is not sent."
            : $"Security: {string.Join(" or ", security)}.");
        if (spec.Deprecated)
        {
            doc.Append("\n\nDeprecated: the document marks this operation deprecated.");
        }
        return doc.ToString();
    }

    // The alternatives of the operation's security, each its schemes joined with "and"; the document's when it has none.
    List<string> Security(Operation operation) =>
        [.. (operation.Spec.Security ?? document.Security ?? []).Select(r => string.Join(" and ", r.Keys.Select(k => k.Reference.Id)))];

    // "/v1/keys/{id}/rotate" → "/v1/keys/" + url.PathEscape(id) + "/rotate"
    string PathExpression(Operation operation)
    {
        var parts = new List<string>();
        var rest = operation.Path;
        while (rest.IndexOf('{', StringComparison.Ordinal) is var open and >= 0)
        {
            var close = rest.IndexOf('}', open);
            if (open > 0)
            {
                parts.Add(GoFile.Literal(rest[..open]));
            }
            var name = rest[(open + 1)..close];
            if (!operation.In(ParameterLocation.Path).Any(p => p.Name == name))
            {
                throw new InvalidOperationException($"{operation.Name}: path parameter {name} is not declared.");
            }
            _imports.Add("net/url");
            parts.Add($"url.PathEscape({GoNames.Unexported(name)})");
            rest = rest[(close + 1)..];
        }
        if (rest.Length > 0)
        {
            parts.Add(GoFile.Literal(rest));
        }
        return string.Join(" + ", parts);
    }

    (string? Type, bool Optional) Body(Operation operation)
    {
        if (RequestSchema(operation.Spec) is not { } schema)
        {
            return (null, false);
        }
        var (inner, nullable) = Schemas.WithoutNull(schema);
        return (types.TypeOf(inner), nullable || operation.Spec.RequestBody?.Required != true);
    }

    // The Go type of the 2xx answers; they must agree, since a method has one result type.
    string? Result(Operation operation)
    {
        var results = SuccessSchemas(operation.Spec).Select(s => types.TypeOf(Schemas.WithoutNull(s).Schema)).Distinct().ToList();
        var bodiless = operation.Spec.Responses!.Any(r => IsSuccess(r.Key) && r.Value.Content is not { Count: > 0 });
        return (results.Count, bodiless) switch
        {
            (0, _) => null,
            (1, false) => results[0],
            _ => throw new NotSupportedException($"{operation.Name}: its 2xx answers differ ({string.Join(", ", results)}{(bodiless ? ", none" : "")})."),
        };
    }

    // The item type of a list whose answer is {data: [...], next_cursor} and which takes a cursor.
    string? PagedItem(Operation operation)
    {
        if (!operation.In(ParameterLocation.Query).Any(p => p.Name == "cursor")
            || SuccessSchemas(operation.Spec).Select(Schemas.ReferenceId).FirstOrDefault() is not { } id)
        {
            return null;
        }
        var schema = types.Component(id);
        if (Find(schema.Properties, "data") is not { Items: { } items }
            || Find(schema.Properties, "next_cursor") is not { } next)
        {
            return null;
        }
        return types.Field("next_cursor", next, schema.Required?.Contains("next_cursor") == true).Type == "*string"
            ? types.TypeOf(items)
            : throw new NotSupportedException($"{id}.next_cursor is not a nullable string.");
    }

    static void WritePager(GoWriter w, Operation operation, string item)
    {
        var path = operation.In(ParameterLocation.Path).Select(p => GoNames.Unexported(p.Name!)).ToList();
        var arguments = string.Concat(path.Select(p => $", {p} string"));
        var call = string.Concat(path.Select(p => $", {p}"));
        var name = operation.Name;
        w.Comment($"{name}Pager walks the pages of {name} from params.Cursor on, following next_cursor.");
        w.Open($"func (c *Client) {name}Pager(ctx context.Context{arguments}, params *{name}Params) *Pager[{item}] {{");
        w.Line($"p := {name}Params{{}}");
        w.Open("if params != nil {");
        w.Line("p = *params");
        w.Close();
        w.Open($"return newPager(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]{item}, *string, error) {{");
        w.Line("p.Cursor = cursor");
        w.Line($"page, err := c.{name}(ctx{call}, &p)");
        w.Open("if err != nil {");
        w.Line("return nil, nil, err");
        w.Close();
        w.Line("return page.Data, page.NextCursor, nil");
        w.Close("})");
        w.Close();
    }

    // Every operation, sorted by Go name so the output does not depend on the document's order.
    static List<Operation> Operations(OpenApiDocument document)
    {
        var operations =
            from path in document.Paths
            from entry in path.Value.Operations ?? []
            select new Operation(
                GoNames.Exported(entry.Value.OperationId ?? throw new InvalidOperationException($"{entry.Key} {path.Key} has no operationId.")),
                entry.Key,
                path.Key,
                entry.Value,
                [.. (path.Value.Parameters ?? []).Concat(entry.Value.Parameters ?? [])]);
        var sorted = operations.OrderBy(o => o.Name, StringComparer.Ordinal).ToList();
        if (sorted.GroupBy(o => o.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidOperationException($"Two operations are both named {twice.Key} in Go.");
        }
        return sorted;
    }

    static IOpenApiSchema? RequestSchema(OpenApiOperation operation) => Find(operation.RequestBody?.Content, Json)?.Schema;

    static IEnumerable<IOpenApiSchema> SuccessSchemas(OpenApiOperation operation) =>
        (operation.Responses ?? []).Where(r => IsSuccess(r.Key))
            .Select(r => Find(r.Value.Content, Json)?.Schema).OfType<IOpenApiSchema>();

    static bool IsSuccess(string status) => status.StartsWith('2');

    static T? Find<T>(IDictionary<string, T>? dictionary, string key) where T : class =>
        dictionary is not null && dictionary.TryGetValue(key, out var value) ? value : null;
}
