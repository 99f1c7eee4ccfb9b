using System.Globalization;
using System.Security.Claims;
using Keel.Http;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Keel.Hosting;

/// <summary>
/// Says for each operation who may call it and every answer it can give: the problems the route declares
/// (<see cref="ProblemCodesMetadata"/>) and those the pipeline adds before the handler runs (credentials,
/// the tenant's rate limit, an unreachable database, a failure of Keel's own), each with the headers Keel
/// writes on it.
/// </summary>
internal static class OpenApiOperations
{
    static readonly ErrorCode[] Authenticated =
    [
        ErrorCodes.MissingCredentials, ErrorCodes.InvalidCredentials, ErrorCodes.KeyRevoked, ErrorCodes.KeyExpired,
        ErrorCodes.Forbidden, ErrorCodes.Unavailable,
    ];

    /// <summary>What the operator plan of a management key's tenant answers (TenantRateLimiting).</summary>
    static readonly ErrorCode[] TenantLimited = [ErrorCodes.RateLimitExceeded, ErrorCodes.RateLimitUnavailable, ErrorCodes.QuotaExceeded];

    static readonly ClaimsPrincipal PlatformAdmin = new(new ClaimsIdentity([new Claim(KeelClaims.Kind, KeelClaims.PlatformAdmin)], "openapi"));

    public static void Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var document = context.Document ?? throw new InvalidOperationException("An operation transformer runs within a document.");
        OpenApiParts.EnsureIn(document);
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var (admin, key) = Callers(metadata);
        operation.Security = [];
        if (admin)
        {
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApiParts.AdminToken, document)] = [] });
        }
        if (key)
        {
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApiParts.ManagementKey, document)] = [] });
        }
        // Credentials are read on every request, an anonymous route's too: a management key sent to one is
        // limited by its tenant's plan like anywhere else. A body in another content type than JSON is refused
        // by routing (415) before any authorization, so a management key meets its limits there on every route.
        // The limits come after authentication, so a 401 never carries them (a 403 may: a permission is checked
        // before them, a role escalation after).
        var limited = key || !admin;
        Func<int, bool> carriesLimits = limited ? s => s != 401 : operation.RequestBody is null ? _ => false : s => s is 415 or 429;
        // BodySizeLimit runs before routing to a handler, so a route that reads no body refuses an oversized one too.
        List<ErrorCode> problems = [.. metadata.OfType<ProblemCodesMetadata>().SelectMany(m => m.Codes), ErrorCodes.BodyTooLarge, ErrorCodes.InternalError];
        if (admin || key)
        {
            problems.AddRange(Authenticated);
        }
        if (limited || operation.RequestBody is not null)
        {
            problems.AddRange([.. TenantLimited, ErrorCodes.Unavailable]);
        }
        DeclareProblems(operation, problems, document);
        var deprecated = metadata.OfType<ObsoleteAttribute>().Any();
        // A route that takes an Idempotency-Key answers a repeat with the first result, saying so.
        var idempotent = operation.Parameters?.Any(p => p is { Name: "Idempotency-Key", In: ParameterLocation.Header }) == true;
        operation.Deprecated |= deprecated;
        // In status order, which the framework does not keep once problems are added.
        var responses = operation.Responses ??= new OpenApiResponses();
        foreach (var (status, answer) in responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList())
        {
            responses.Remove(status);
            responses[status] = answer;
            if (answer is OpenApiResponse response)
            {
                DeclareHeaders(response, int.Parse(status, CultureInfo.InvariantCulture), carriesLimits, deprecated, idempotent, document);
            }
        }
        DescribePaging(operation);
        OpenApiExamples.Apply(operation);
    }

    /// <summary>One answer per status, its codes in the description, each with the one problem schema.</summary>
    static void DeclareProblems(OpenApiOperation operation, List<ErrorCode> problems, OpenApiDocument document)
    {
        operation.Responses ??= new OpenApiResponses();
        foreach (var group in problems.DistinctBy(c => c.Code).GroupBy(c => c.Status))
        {
            var status = group.Key.ToString(CultureInfo.InvariantCulture);
            var response = operation.Responses.GetValueOrDefault(status) as OpenApiResponse ?? new OpenApiResponse();
            response.Description = "Problem codes: " + string.Join(", ", group.Select(c => $"`{c.Code}` ({c.Title})"));
            response.Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(OpenApiParts.Problem, document) },
            };
            operation.Responses[status] = response;
        }
    }

    /// <summary>
    /// Who may call the route, from the permission its policy names: the admin token, a management key, or
    /// both (rate plans). A route without a policy is anonymous.
    /// </summary>
    static (bool Admin, bool Key) Callers(IList<object> metadata)
    {
        var permissions = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct().ToList();
        if (metadata.OfType<IAllowAnonymous>().Any() || permissions.Count == 0)
        {
            return (false, false);
        }
        var admin = permissions.All(PlatformAdmin.Permissions().Contains);
        var key = permissions.All(p => Roles.Grants.Values.Any(grants => grants.Contains(p)));
        return (admin, key);
    }

    static void DeclareHeaders(OpenApiResponse response, int status, Func<int, bool> carriesLimits, bool deprecated, bool idempotent, OpenApiDocument document)
    {
        List<string> names = [];
        if (carriesLimits(status))
        {
            names.AddRange([OpenApiParts.RateLimit, OpenApiParts.RateLimitPolicy]);
        }
        if (status is 429 or 503)
        {
            names.Add(OpenApiParts.RetryAfter);
        }
        if (status is 201 or 202)
        {
            names.Add(OpenApiParts.Location);
        }
        if (deprecated && status is >= 200 and < 300)
        {
            names.AddRange([OpenApiParts.Deprecation, OpenApiParts.Sunset, OpenApiParts.Link]);
        }
        if (idempotent && status is >= 200 and < 300)
        {
            names.Add(OpenApiParts.IdempotentReplayed);
        }
        // The handler writes them first, so its own refusals carry them too; the binder's (also 400) do not.
        var optional = deprecated && status == 400 ? new[] { OpenApiParts.Deprecation, OpenApiParts.Sunset, OpenApiParts.Link } : [];
        if (names.Count == 0 && optional.Length == 0)
        {
            return;
        }
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var name in names)
        {
            response.Headers[name] = OpenApiParts.Header(name, document);
        }
        foreach (var name in optional)
        {
            response.Headers[name] = OpenApiParts.OptionalHeader(name, document);
        }
    }

    /// <summary>Every list takes <c>?limit=&amp;cursor=</c> as text (a bad value is a catalogued problem); this says what they hold.</summary>
    static void DescribePaging(OpenApiOperation operation)
    {
        if (operation.Parameters?.Any(p => p is { Name: "cursor", In: ParameterLocation.Query }) != true)
        {
            return;
        }
        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>())
        {
            switch (parameter.Name)
            {
                case "limit":
                    parameter.Description = "Rows per page.";
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Format = "int32",
                        Minimum = "1",
                        Maximum = PageRequest.MaxLimit.ToString(CultureInfo.InvariantCulture),
                        Default = PageRequest.DefaultLimit,
                    };
                    break;
                case "cursor":
                    parameter.Description = "The `next_cursor` of the previous page; leave it out for the first page.";
                    break;
            }
        }
    }
}
