using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;

namespace Keel.Http;

public static class ProblemDetailsSetup
{
    /// <summary>
    /// Every non-2xx answer is problem+json with a catalogued <c>code</c> and a <c>trace_id</c>: those
    /// Keel writes itself, and those the framework makes (unknown route, wrong method, a body it could
    /// not bind), which reach the customizer below with only a status code.
    /// </summary>
    public static IServiceCollection AddKeelProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (!problem.Extensions.ContainsKey("code"))
            {
                var error = FromStatus(problem.Status ?? context.HttpContext.Response.StatusCode);
                problem.Extensions["code"] = error.Code;
                problem.Type = error.Type;
                problem.Title = error.Title;
                problem.Detail ??= error.Description;
            }
            problem.Extensions.Remove("traceId");
            problem.Extensions["trace_id"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<KeelExceptionHandler>();
        // Bind failures throw instead of answering an empty 400, so the exception handler can say why.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => ConfigureJson(o.SerializerOptions));
        return services;
    }

    /// <summary>snake_case, strict numbers, no NUL in text, and unknown fields refused rather than silently dropped.</summary>
    public static void ConfigureJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        json.DictionaryKeyPolicy = null;
        json.NumberHandling = JsonNumberHandling.Strict;
        json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        json.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        json.Converters.Add(new NulFreeStrings());
    }

    static ErrorCode FromStatus(int status) => status switch
    {
        401 => ErrorCodes.MissingCredentials,
        403 => ErrorCodes.Forbidden,
        404 => ErrorCodes.RouteNotFound,
        405 => ErrorCodes.MethodNotAllowed,
        413 => ErrorCodes.BodyTooLarge,
        415 => ErrorCodes.UnsupportedMediaType,
        503 => ErrorCodes.Unavailable,
        >= 500 => ErrorCodes.InternalError,
        _ => ErrorCodes.BadRequest,
    };
}
