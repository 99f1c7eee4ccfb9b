using System.Text.Json.Nodes;
using Keel.Http;
using Microsoft.OpenApi;

namespace Keel.Hosting;

/// <summary>
/// The components every operation shares: the one problem schema and its catalogue of codes, the response
/// headers Keel writes and the two bearer credentials. Operations refer to them by name.
/// </summary>
internal static class OpenApiParts
{
    public const string Problem = "Problem";
    public const string ProblemCode = "ProblemCode";
    public const string AdminToken = "adminToken";
    public const string ManagementKey = "managementKey";

    public const string RateLimit = "RateLimit";
    public const string RateLimitPolicy = "RateLimit-Policy";
    public const string RetryAfter = "Retry-After";
    public const string Location = "Location";
    public const string Deprecation = "Deprecation";
    public const string Sunset = "Sunset";
    public const string Link = "Link";
    public const string IdempotentReplayed = "Idempotent-Replayed";

    /// <summary>Adds the shared components once; safe to call from every transformer.</summary>
    public static void EnsureIn(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        var components = document.Components;
        components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        components.Schemas.TryAdd(ProblemCode, ProblemCodeSchema());
        components.Schemas.TryAdd(Problem, ProblemSchema(document));
        components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var (name, header) in Headers())
        {
            components.Headers.TryAdd(name, header);
        }
        components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        components.SecuritySchemes.TryAdd(AdminToken, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The platform admin token (`Keel:AdminToken`, or the one Keel printed at its first start): manages tenants and the operator's rate plans.",
        });
        components.SecuritySchemes.TryAdd(ManagementKey, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "keel_sk_...",
            Description = "A management key (`keel_sk_...`): acts for one tenant with the permissions of its role (`GET /v1/roles`).",
        });
    }

    public static OpenApiHeaderReference Header(string name, OpenApiDocument document) => new(name, document);

    /// <summary>A shared header that this answer may carry but need not: a copy of it, not required.</summary>
    public static OpenApiHeader OptionalHeader(string name, OpenApiDocument document)
    {
        var header = (OpenApiHeader)((OpenApiHeader)document.Components!.Headers![name]).CreateShallowCopy();
        header.Required = false;
        return header;
    }

    static OpenApiSchema Text(string? format = null) => new() { Type = JsonSchemaType.String, Format = format };

    /// <summary>RFC 9457 problem details with Keel's members; more may be added, so clients must accept unknown ones.</summary>
    /// <summary>The catalogue as an enum, so clients can branch on codes by name; a newer Keel may add codes.</summary>
    static OpenApiSchema ProblemCodeSchema() => new()
    {
        Type = JsonSchemaType.String,
        Description = "A catalogued error code (`GET /v1/errors`). Codes are never renamed; a newer Keel may add some, " +
            "so a client must accept a code it does not know.",
        Enum = [.. ErrorCodes.All.Select(e => (JsonNode)JsonValue.Create(e.Code))],
    };

    /// <summary>A reference to <see cref="ProblemCodeSchema"/>, for every field that holds a code.</summary>
    public static OpenApiSchemaReference ProblemCodeOf(OpenApiDocument document) => new(ProblemCode, document);

    static OpenApiSchema ProblemSchema(OpenApiDocument document) => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An RFC 9457 problem. `code` is stable and catalogued (`GET /v1/errors`); some codes add members " +
            "(`errors` for fields, `missing_permission`, `limit`), and new members may appear.",
        Required = new HashSet<string> { "type", "title", "status", "detail", "code", "trace_id" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference", Description = "`/problems/{code}`, a page about the code." },
            ["title"] = Text(),
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "400", Maximum = "599" },
            ["detail"] = Text(),
            ["instance"] = Text("uri-reference"),
            ["code"] = ProblemCodeOf(document),
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "The messages about each field or query parameter, by name.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Text() },
            },
            ["trace_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Finds the request in Keel's logs." },
        },
        AdditionalProperties = new OpenApiSchema(),
    };

    static IEnumerable<(string, OpenApiHeader)> Headers()
    {
        yield return (RateLimit, new OpenApiHeader
        {
            Description = "What remains of each limit of the tenant's operator plan (IETF httpapi-ratelimit-headers, draft 10): " +
                "`r` calls left, `t` seconds until more are available. Sent when the tenant's plan limits it.",
            Schema = Text(),
            Example = JsonValue.Create("\"burst\";r=42;t=1, \"monthly\";r=999000;t=86400"),
        });
        yield return (RateLimitPolicy, new OpenApiHeader
        {
            Description = "The limits of the tenant's operator plan: `q` calls per window of `w` seconds. Sent with `RateLimit`.",
            Schema = Text(),
            Example = JsonValue.Create("\"burst\";q=100;w=1, \"monthly\";q=1000000;w=2592000"),
        });
        yield return (RetryAfter, new OpenApiHeader
        {
            Description = "Seconds to wait before trying again.",
            Required = true,
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
        });
        yield return (Location, new OpenApiHeader
        {
            Description = "The path of the resource the request made or acted on.",
            Required = true,
            Schema = Text("uri-reference"),
        });
        yield return (Deprecation, new OpenApiHeader
        {
            Description = "When the route was deprecated: `@` and a Unix time (RFC 9745).",
            Required = true,
            Schema = Text(),
            Example = JsonValue.Create("@1795564800"),
        });
        yield return (Sunset, new OpenApiHeader
        {
            Description = "When the route goes away, an HTTP date (RFC 8594).",
            Required = true,
            Schema = Text(),
            Example = JsonValue.Create("Wed, 30 Jun 2027 00:00:00 GMT"),
        });
        yield return (Link, new OpenApiHeader
        {
            Description = "The route to use instead (`rel=\"successor-version\"`, RFC 8288).",
            Required = true,
            Schema = Text(),
            Example = JsonValue.Create("</v1/deliveries/redispatch>; rel=\"successor-version\""),
        });
        yield return (IdempotentReplayed, new OpenApiHeader
        {
            Description = "`true` when the answer is the event an earlier request with the same idempotency key published.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("true")!] },
        });
    }
}
