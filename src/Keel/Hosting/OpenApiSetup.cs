using System.Text;
using Keel.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
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
            o.AddSchemaTransformer(DescribePatchFields);
        });

    /// <summary>Writes the problem codes each status can carry into that response's description.</summary>
    static Task DescribeProblems(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
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

    /// <summary>
    /// A <see cref="PatchField{T}"/> is, on the wire, just a T that may be left out or sent as null; the
    /// schema says so instead of describing the wrapper, and a PATCH body has no required fields.
    /// </summary>
    static Task DescribePatchFields(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var type = context.JsonTypeInfo.Type;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(PatchField<>))
        {
            var inner = type.GetGenericArguments()[0];
            inner = Nullable.GetUnderlyingType(inner) ?? inner;
            schema.Properties?.Clear();
            schema.Required?.Clear();
            (schema.Type, schema.Format, schema.Items) = inner switch
            {
                _ when inner == typeof(string) => (JsonSchemaType.String, null, null),
                _ when inner == typeof(DateTimeOffset) => (JsonSchemaType.String, "date-time", null),
                _ when inner == typeof(List<string>) => (JsonSchemaType.Array, null, new OpenApiSchema { Type = JsonSchemaType.String }),
                _ => (JsonSchemaType.Object, (string?)null, (IOpenApiSchema?)null),
            };
            schema.Type |= JsonSchemaType.Null;
            schema.Description = "Leave out to keep the current value; null clears it where the field may be empty.";
        }
        else if (type.GetProperties().Any(p => p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(PatchField<>)))
        {
            schema.Required?.Clear();
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
