using Scalar.AspNetCore;

namespace Keel.Hosting;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) and its reference pages (<c>/docs</c>). The document is a
/// contract clients generate code from, so the transformers make it say exactly what Keel does: typed schemas
/// (<see cref="OpenApiSchemas"/>), every answer and header of each operation (<see cref="OpenApiOperations"/>),
/// and what only the whole document knows (<see cref="OpenApiDocumentRules"/>). docs/openapi.json is a copy
/// that a test keeps current; scripts/lint-openapi lints it.
/// </summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddKeelOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddSchemaTransformer(OpenApiSchemas.DescribeAsync);
            o.AddOperationTransformer((operation, context, _) =>
            {
                OpenApiOperations.Describe(operation, context);
                return Task.CompletedTask;
            });
            o.AddDocumentTransformer((document, _, _) =>
            {
                OpenApiDocumentRules.Describe(document);
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapKeelOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", o => o.WithTitle("Keel API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        return app;
    }
}
