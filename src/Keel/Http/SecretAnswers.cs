namespace Keel.Http;

/// <summary>Marks a route whose answer shows a secret; tests find every such route by it.</summary>
public sealed class ShowsSecretMetadata
{
    internal static readonly ShowsSecretMetadata Instance = new();
}

public static class SecretAnswers
{
    /// <summary>
    /// <c>Cache-Control: no-store</c> on the route's answers: a secret shown once must not be kept by a
    /// browser, a proxy or a CDN, where the next reader of the cache would get it.
    /// </summary>
    public static RouteHandlerBuilder ShowsSecret(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(ShowsSecretMetadata.Instance).AddEndpointFilter(static (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return next(context);
        });
}
