namespace Keel.Http;

/// <summary>
/// <c>X-Content-Type-Options: nosniff</c> on every answer, so no browser runs an answer as anything but its
/// declared type. Set when the headers go out: the exception handler clears the headers it finds.
/// </summary>
internal static class NoSniff
{
    public static IApplicationBuilder UseNoSniff(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            ((HttpResponse)state).Headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });
}
