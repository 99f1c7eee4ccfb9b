using System.Text;
using Keel.Http;
using Microsoft.AspNetCore.OpenApi;
using Scalar.AspNetCore;

namespace Keel.Hosting;

public static class OpenApiSetup
{
    public static IServiceCollection AddKeelOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Keel";
                document.Info.Description = "Tenants, roles and API keys for multi-tenant SaaS APIs. Every error is application/problem+json with a `code` from `GET /v1/errors`.";
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(DescribeProblems);
        });

    /// <summary>Writes the problem codes each status can carry into that response's description.</summary>
    static Task DescribeProblems(Microsoft.OpenApi.OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var codes = context.Description.ActionDescriptor.EndpointMetadata.OfType<ProblemCodesMetadata>().SelectMany(m => m.Codes).ToList();
        if (operation.Responses is null)
        {
            return Task.CompletedTask;
        }
        foreach (var group in codes.GroupBy(c => c.Status))
        {
            if (operation.Responses.TryGetValue(group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response))
            {
                var text = new StringBuilder("Problem codes: ");
                text.AppendJoin(", ", group.DistinctBy(c => c.Code).Select(c => $"`{c.Code}` ({c.Title})"));
                response.Description = text.ToString();
            }
        }
        return Task.CompletedTask;
    }

    public static WebApplication MapKeelOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", o => o.WithTitle("Keel API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        return app;
    }
}
