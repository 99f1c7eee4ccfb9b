using System.Net;
using System.Text;
using Keel.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Keel.Http;

public sealed record ErrorView(string Code, int Status, string Title, string Description, string Type)
{
    public static ErrorView From(ErrorCode e) => new(e.Code, e.Status, e.Title, e.Description, e.Type);
}

public static class ErrorsApi
{
    public static IEndpointRouteBuilder MapErrorsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/errors", () => TypedResults.Ok(new Page<ErrorView>([.. ErrorCodes.All.Select(ErrorView.From)], null)))
            .WithName("listErrors").WithTags("Errors").WithSummary("The error catalog: every problem code Keel answers with").AllowAnonymous();
        app.MapGet("/problems/{code}", ProblemPage).ExcludeFromDescription().AllowAnonymous();
        return app;
    }

    static Results<ContentHttpResult, ProblemHttpResult> ProblemPage(string code) =>
        ErrorCodes.Find(code) is { } error
            ? TypedResults.Content(Page(error), "text/html; charset=utf-8")
            : Problems.Of(ErrorCodes.NotFound, $"No problem code '{code}'. GET /v1/errors lists them all.");

    static string Page(ErrorCode e)
    {
        var text = new StringBuilder()
            .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(e.Code)).Append(" · Keel</title>")
            .Append("<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .25rem}</style>")
            .Append("</head><body><p><a href=\"/v1/errors\">Keel error catalog</a></p><h1><code>")
            .Append(WebUtility.HtmlEncode(e.Code)).Append("</code></h1><p><strong>HTTP ").Append(e.Status).Append(" · ")
            .Append(WebUtility.HtmlEncode(e.Title)).Append("</strong></p><p>").Append(WebUtility.HtmlEncode(e.Description))
            .Append("</p><p>Problem responses carry <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>, ")
            .Append("<code>code</code> and <code>trace_id</code> (RFC 9457).</p></body></html>");
        return text.ToString();
    }

    /// <summary>docs/errors.md, generated from the catalog by <c>keel errors-doc</c>; a test fails when the file is stale.</summary>
    public static string Markdown()
    {
        var md = new StringBuilder()
            .Append("# Keel error catalog\n\n")
            .Append("Generated from `src/Keel/Http/ErrorCodes.cs` by `dotnet run --project src/Keel -- errors-doc > docs/errors.md`; do not edit by hand.\n\n")
            .Append("Every non-2xx answer is `application/problem+json` (RFC 9457) with `type` (`/problems/<code>`), `title`, `status`, ")
            .Append("`detail`, `code` and `trace_id`; validation problems add `errors: {field: [messages]}`. `GET /v1/errors` serves this list.\n\n")
            .Append("| code | status | title | meaning |\n| --- | --- | --- | --- |\n");
        foreach (var e in ErrorCodes.All)
        {
            md.Append("| `").Append(e.Code).Append("` | ").Append(e.Status).Append(" | ").Append(e.Title).Append(" | ")
              .Append(e.Description.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
        }
        return md.ToString();
    }
}
