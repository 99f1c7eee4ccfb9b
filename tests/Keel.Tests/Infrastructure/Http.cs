using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Keel.Tests.Infrastructure;

/// <summary>Small assertions on Keel's answers.</summary>
public static class Http
{
    public static async Task<JsonElement> Json(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a problem+json answer with the given status and code; returns its body.</summary>
    public static async Task<JsonElement> Problem(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Json(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal("/problems/" + code, body.GetProperty("type").GetString());
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("trace_id").GetString()));
        Assert.DoesNotContain("   at ", body.GetRawText(), StringComparison.Ordinal); // never a stack trace
        return body;
    }

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body);

    public static Task<HttpResponseMessage> PatchJson(this HttpClient client, string url, object body) =>
        client.PatchAsJsonAsync(url, body);

    public static async Task<HttpResponseMessage> PostRaw(this HttpClient client, string url, string body, string contentType = "application/json")
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, contentType);
        return await client.PostAsync(url, content);
    }
}
