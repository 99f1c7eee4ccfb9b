using System.Net.Http.Headers;
using System.Text.Json;

namespace Keel.Bench;

/// <summary>The few calls of Keel's API that set a scenario up, each checked.</summary>
public static class KeelApi
{
    /// <summary>Creates a tenant with the admin token; returns its owner management key.</summary>
    public static async Task<string> CreateTenantAsync(HttpClient client, string slug, CancellationToken ct) =>
        (await NewTenantAsync(client, slug, ct)).ManagementKey;

    /// <summary>
    /// Creates a tenant with the admin token, on no operator plan (a new tenant gets the default plan, whose limits would
    /// measure the plan rather than Keel); returns its id and its owner management key.
    /// </summary>
    public static async Task<(string Id, string ManagementKey)> NewTenantAsync(HttpClient client, string slug, CancellationToken ct)
    {
        var body = await SendAsync(client, KeelServer.AdminToken, "/v1/tenants", new { name = "Bench " + slug, slug }, ct);
        var id = body.GetProperty("id").GetString()!;
        await SendAsync(client, KeelServer.AdminToken, $"/v1/tenants/{id}", new { plan_id = (string?)null }, ct, HttpMethod.Patch);
        return (id, body.GetProperty("management_key").GetProperty("key").GetString()!);
    }

    /// <summary>Creates a key with a management key; returns the new key's secret.</summary>
    public static async Task<string> CreateKeyAsync(HttpClient client, string managementKey, object request, CancellationToken ct)
    {
        var body = await SendAsync(client, managementKey, "/v1/keys", request, ct);
        return body.GetProperty("key").GetString()!;
    }

    /// <summary>POSTs (or sends with <paramref name="method"/>) <paramref name="request"/> and returns the JSON answer, which must be 200 or 201.</summary>
    public static async Task<JsonElement> SendAsync(HttpClient client, string bearer, string path, object request, CancellationToken ct, HttpMethod? method = null)
    {
        using var message = new HttpRequestMessage(method ?? HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(request) };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await client.SendAsync(message, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if ((int)response.StatusCode is not (200 or 201))
        {
            throw new InvalidOperationException($"{message.Method} {path} answered {(int)response.StatusCode}: {text}");
        }
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
