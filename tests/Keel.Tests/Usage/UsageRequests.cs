using System.Net;
using System.Text.Json;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Usage;

/// <summary>The usage calls the tests repeat, and sums over their answers.</summary>
internal static class UsageRequests
{
    public static readonly string[] Fields = ["valid", "not_found", "revoked", "expired", "forbidden_scope", "rate_limited", "quota_exceeded"];

    public static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<JsonElement[]> KeyUsageAsync(this HttpClient client, string keyId, DateTimeOffset from, DateTimeOffset to, string granularity) =>
        [.. (await (await client.GetAsync($"/v1/keys/{keyId}/usage?from={Rfc3339(from)}&to={Rfc3339(to)}&granularity={granularity}"))
            .Json(HttpStatusCode.OK)).GetProperty("data").EnumerateArray()];

    public static async Task<JsonElement[]> AuthFailuresAsync(this HttpClient client, DateTimeOffset from, DateTimeOffset to, string granularity) =>
        [.. (await (await client.GetAsync($"/v1/analytics/auth-failures?from={Rfc3339(from)}&to={Rfc3339(to)}&granularity={granularity}"))
            .Json(HttpStatusCode.OK)).GetProperty("data").EnumerateArray()];

    public static async Task<JsonElement[]> TopKeysAsync(this HttpClient client, DateTimeOffset from, DateTimeOffset to, string orderBy = "requests", int limit = 100) =>
        [.. (await (await client.GetAsync($"/v1/analytics/keys?from={Rfc3339(from)}&to={Rfc3339(to)}&order_by={orderBy}&limit={limit}"))
            .Json(HttpStatusCode.OK)).GetProperty("data").EnumerateArray()];

    /// <summary>Each field summed over the points of a series.</summary>
    public static Dictionary<string, long> Totals(this IEnumerable<JsonElement> points) =>
        Fields.ToDictionary(f => f, f => points.Sum(p => p.GetProperty(f).GetInt64()));

    /// <summary>The counts a list of verify codes should show, in the usage answer's fields.</summary>
    public static Dictionary<string, long> Expected(this IEnumerable<string> codes) =>
        Fields.ToDictionary(f => f, f => (long)codes.Count(c => c.Equals(f, StringComparison.OrdinalIgnoreCase)));

    /// <summary>by_code summed over the points of an auth-failures series.</summary>
    public static Dictionary<string, long> ByCode(this IEnumerable<JsonElement> points) =>
        points.SelectMany(p => p.GetProperty("by_code").EnumerateObject()).GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.Sum(c => c.Value.GetInt64()));

    /// <summary>A key in Keel's shape that no tenant has: the prefix, then 33 base62 characters.</summary>
    public static string UnknownKey(string prefix) => prefix + "_" + new string('Z', 33);
}
