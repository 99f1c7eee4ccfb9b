using Microsoft.OpenApi;

namespace Keel.Hosting;

/// <summary>
/// What only the whole document knows: which schemas are answers (every field of an answer is always
/// written, null or not, so all are required), which components nothing uses, and the document's own info.
/// </summary>
internal static class OpenApiDocumentRules
{
    static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Errors"] = "The catalog of problem codes.",
        ["Tenants"] = "Tenants and their roles (the admin token manages tenants).",
        ["Keys"] = "Client and management keys: issue, verify, rotate, revoke.",
        ["Webhooks"] = "Endpoints, event types, events and their deliveries.",
        ["Rate plans"] = "Rate plans, quotas and token buckets.",
        ["Analytics"] = "Key usage, authentication failures and anomalies.",
    };

    public static void Describe(OpenApiDocument document)
    {
        document.Info.Title = "Keel";
        document.Info.Description = "Tenants, roles, API keys, rate plans and webhooks for multi-tenant SaaS APIs. Every error is " +
            "`application/problem+json` with a `code` from `GET /v1/errors`. Calls are authenticated with `Authorization: Bearer`: the " +
            "platform admin token or a tenant's management key, as each operation says.";
        // Relative: the Keel that serves this document; a fixed text, so the committed copy never drifts.
        document.Servers = [new OpenApiServer { Url = "/", Description = "The Keel that serves this document" }];
        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            tag.Description ??= tag.Name is { } name ? TagDescriptions.GetValueOrDefault(name) : null;
        }
        OpenApiParts.EnsureIn(document);
        var schemas = document.Components!.Schemas!;
        // The catalogue lists the same codes problems carry.
        if (schemas.TryGetValue(nameof(Http.ErrorView), out var catalogue) && catalogue is OpenApiSchema { Properties: { } entry })
        {
            entry["code"] = OpenApiParts.ProblemCodeOf(document);
        }
        var answers = Reached(schemas, Operations(document).SelectMany(o => o.Responses?.Values ?? Enumerable.Empty<IOpenApiResponse>())
            .SelectMany(r => r.Content?.Values ?? Enumerable.Empty<OpenApiMediaType>()));
        var requests = Reached(schemas, Operations(document).Select(o => o.RequestBody).OfType<IOpenApiRequestBody>().SelectMany(b => b.Content?.Values ?? Enumerable.Empty<OpenApiMediaType>()));
        foreach (var name in answers.Where(n => n != OpenApiParts.Problem))
        {
            if (schemas[name] is not OpenApiSchema { Properties.Count: > 0 } schema)
            {
                continue;
            }
            var all = new HashSet<string>(schema.Properties.Keys);
            if (requests.Contains(name) && schema.Required?.SetEquals(all) != true)
            {
                throw new InvalidOperationException($"{name} is both a request and an answer, so every field of it must be [Required].");
            }
            schema.Required = all;
        }
        foreach (var unused in schemas.Keys.Where(n => !answers.Contains(n) && !requests.Contains(n)).ToList())
        {
            schemas.Remove(unused);
        }
    }

    static IEnumerable<OpenApiOperation> Operations(OpenApiDocument document) =>
        document.Paths.Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>());

    /// <summary>The component names a set of media types reaches, through every reference.</summary>
    static HashSet<string> Reached(IDictionary<string, IOpenApiSchema> schemas, IEnumerable<OpenApiMediaType> media)
    {
        HashSet<string> seen = [];
        Stack<IOpenApiSchema> pending = new(media.Select(m => m.Schema).OfType<IOpenApiSchema>());
        while (pending.TryPop(out var schema))
        {
            if (schema is OpenApiSchemaReference { Reference.Id: { } id })
            {
                if (seen.Add(id) && schemas.TryGetValue(id, out var target))
                {
                    pending.Push(target);
                }
                continue;
            }
            if (schema is not OpenApiSchema s)
            {
                continue;
            }
            foreach (var child in (s.Properties?.Values ?? []).Concat(s.AllOf ?? []).Concat(s.AnyOf ?? []).Concat(s.OneOf ?? [])
                .Append(s.Items).Append(s.AdditionalProperties).Append(s.Not).OfType<IOpenApiSchema>())
            {
                pending.Push(child);
            }
        }
        return seen;
    }
}
