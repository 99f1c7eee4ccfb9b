using System.Net;
using System.Text.Json;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Keys;

/// <summary>The key calls the tests repeat, each asserting the status that the happy path must have.</summary>
internal static class KeyRequests
{
    public static async Task<JsonElement> CreateKeyAsync(this HttpClient client, object body) =>
        await (await client.PostJson("/v1/keys", body)).Json(HttpStatusCode.Created);

    public static async Task<JsonElement> GetKeyAsync(this HttpClient client, string id) =>
        await (await client.GetAsync($"/v1/keys/{id}")).Json(HttpStatusCode.OK);

    public static async Task<JsonElement> VerifyAsync(this HttpClient client, string key, params string[] scopes) =>
        await (await client.PostJson("/v1/keys/verify", scopes.Length == 0 ? new { key } : new { key, scopes }))
            .Json(HttpStatusCode.OK);

    public static async Task<JsonElement> RotateAsync(this HttpClient client, string id, int graceSeconds) =>
        await (await client.PostJson($"/v1/keys/{id}/rotate", new { grace_period_seconds = graceSeconds }))
            .Json(HttpStatusCode.Created);

    /// <summary>The verify outcome, checking that <c>valid</c> agrees with it.</summary>
    public static string Code(this JsonElement verify)
    {
        var code = verify.Str("code");
        Assert.Equal(code == "VALID", verify.GetProperty("valid").GetBoolean());
        return code;
    }
}
