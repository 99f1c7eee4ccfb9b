using Microsoft.AspNetCore.Http.HttpResults;

namespace Keel.Http;

/// <summary>Builds <c>application/problem+json</c> answers from catalog entries.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(
        ErrorCode error, string? detail = null, IDictionary<string, string[]>? errors = null,
        IEnumerable<KeyValuePair<string, object?>>? extensions = null)
    {
        var ext = new Dictionary<string, object?> { ["code"] = error.Code };
        if (errors is { Count: > 0 })
        {
            ext["errors"] = errors;
        }
        foreach (var (name, value) in extensions ?? [])
        {
            ext[name] = value;
        }
        return TypedResults.Problem(detail ?? error.Description, statusCode: error.Status, title: error.Title,
            type: error.Type, extensions: ext);
    }

    public static ProblemHttpResult NotFound(string what) => Of(ErrorCodes.NotFound, $"No {what} with that id.");

    /// <summary>409 <c>resource.limit_reached</c>: the tenant holds <paramref name="limit"/> of <paramref name="what"/> already.</summary>
    public static ProblemHttpResult LimitReached(string what, int limit) =>
        Of(ErrorCodes.LimitReached, $"A tenant holds at most {limit} {what}.", extensions: [new("limit", limit)]);

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        Of(ErrorCodes.ValidationFailed, "One or more fields are invalid.", errors);

    /// <summary>Writes a problem from middleware, where there is no endpoint result to return.</summary>
    public static Task WriteAsync(HttpContext context, ErrorCode error, string? detail = null,
        IDictionary<string, string[]>? errors = null, IEnumerable<KeyValuePair<string, object?>>? extensions = null) =>
        Of(error, detail, errors, extensions).ExecuteAsync(context);
}
