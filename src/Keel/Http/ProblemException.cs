namespace Keel.Http;

/// <summary>
/// Thrown where a handler or helper finds bad input deep in a call; the exception handler turns it
/// into the catalogued problem. Handlers that can return a problem directly do so instead.
/// </summary>
public sealed class ProblemException(ErrorCode error, string detail, IDictionary<string, string[]>? errors = null)
    : Exception(detail)
{
    public ErrorCode Error { get; } = error;
    public IDictionary<string, string[]>? Errors { get; } = errors;

    /// <summary>Query parameters of a list that cannot be used, each named in <c>errors</c>.</summary>
    public static ProblemException InvalidQuery(Dictionary<string, string[]> errors) =>
        new(ErrorCodes.InvalidQuery, "The list parameters are invalid.", errors);
}
