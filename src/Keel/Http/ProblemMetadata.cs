namespace Keel.Http;

/// <summary>The problem codes an endpoint may answer with, for its OpenAPI description.</summary>
public sealed record ProblemCodesMetadata(IReadOnlyList<ErrorCode> Codes);

public static class ProblemMetadataExtensions
{
    static readonly ErrorCode[] AuthCodes =
        [ErrorCodes.MissingCredentials, ErrorCodes.InvalidCredentials, ErrorCodes.KeyRevoked, ErrorCodes.KeyExpired, ErrorCodes.Forbidden];

    static readonly ErrorCode[] BodyCodes =
    [
        ErrorCodes.ValidationFailed, ErrorCodes.MalformedJson, ErrorCodes.InvalidType, ErrorCodes.UnknownField,
        ErrorCodes.BodyRequired, ErrorCodes.BodyTooLarge, ErrorCodes.UnsupportedMediaType,
    ];

    /// <summary>Declares the problems an endpoint can answer with (statuses for OpenAPI, codes for its text).</summary>
    public static RouteHandlerBuilder Problems(this RouteHandlerBuilder builder, params ErrorCode[] codes)
    {
        builder.WithMetadata(new ProblemCodesMetadata(codes));
        foreach (var status in codes.Select(c => c.Status).Distinct())
        {
            builder.ProducesProblem(status);
        }
        return builder;
    }

    /// <summary>An authenticated route: the credential problems plus the given ones.</summary>
    public static RouteHandlerBuilder AuthProblems(this RouteHandlerBuilder builder, params ErrorCode[] codes) =>
        builder.Problems([.. AuthCodes, .. codes]);

    /// <summary>An authenticated route with a JSON body: credential and body problems plus the given ones.</summary>
    public static RouteHandlerBuilder BodyProblems(this RouteHandlerBuilder builder, params ErrorCode[] codes) =>
        builder.Problems([.. AuthCodes, .. BodyCodes, .. codes]);
}
