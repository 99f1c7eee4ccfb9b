using System.Globalization;
using System.Text.Json;

namespace Keel.Bench;

/// <summary>
/// A client key on a rate plan too large to refuse anything in a run, so that a verify of it measures what the checks
/// cost (a bucket take and a quota consume per call) and never a refusal: the largest rate Keel accepts, 10^6/s with a
/// burst of 10^9, and a monthly quota of 10^15 with two soft limits that are never reached and a hard cap.
/// </summary>
public sealed record PlannedKey(string Name, string ManagementKey, string Secret)
{
    public const double RequestsPerSecond = 1_000_000;
    public const long Burst = 1_000_000_000;
    public const string Period = "month";
    public const long QuotaLimit = 1_000_000_000_000_000;
    static readonly double[] SoftLimits = [0.5, 0.9];

    public static string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"rate {RequestsPerSecond:N0}/s, burst {Burst:N0}; quota {QuotaLimit:N0} per {Period}, soft limits {string.Join(" and ", SoftLimits)}, hard cap");

    /// <summary>Creates the plan and a client key on it in the tenant of <paramref name="managementKey"/>.</summary>
    public static async Task<PlannedKey> CreateAsync(HttpClient client, string name, string managementKey, CancellationToken ct)
    {
        var plan = await KeelApi.SendAsync(client, managementKey, "/v1/rate-plans", new Dictionary<string, object>
        {
            ["name"] = "bench plan",
            ["rate"] = new Dictionary<string, object> { ["requests_per_second"] = RequestsPerSecond, ["burst"] = Burst },
            ["quota"] = new Dictionary<string, object> { ["period"] = Period, ["limit"] = QuotaLimit, ["soft_limits"] = SoftLimits, ["hard_cap"] = true },
        }, ct);
        var secret = await KeelApi.CreateKeyAsync(client, managementKey,
            new Dictionary<string, object> { ["name"] = "bench client on a plan", ["prefix"] = "bench", ["plan_id"] = plan.GetProperty("id").GetString()! }, ct);
        return new PlannedKey(name, managementKey, secret);
    }

    /// <summary>The measured request: every answer must be VALID and carry the bucket's and the quota's state, proof that both were checked.</summary>
    public BenchRequest Request() => BenchRequest.PostJson(Name, VerifyScenario.VerifyPath, ManagementKey, JsonSerializer.Serialize(new { key = Secret }),
        "\"valid\":true", "\"code\":\"VALID\"", "\"ratelimit\":{", "\"quota\":{");

    /// <summary>
    /// One verify, read in full: VALID, the plan's bucket and quota in the answer, one token taken and the quota spent.
    /// Returns the quota used so far in the period; throws with the answer when anything is wrong.
    /// </summary>
    public async Task<long> CheckAsync(HttpClient client, CancellationToken ct)
    {
        var answer = await KeelApi.SendAsync(client, ManagementKey, VerifyScenario.VerifyPath, new { key = Secret }, ct);
        var right = answer.GetProperty("valid").GetBoolean()
            && answer.GetProperty("ratelimit") is { ValueKind: JsonValueKind.Object } rate
            && rate.GetProperty("limit").GetInt64() == Burst && rate.GetProperty("remaining").GetInt64() < Burst
            && answer.GetProperty("quota") is { ValueKind: JsonValueKind.Object } quota
            && quota.GetProperty("period").GetString() == Period && quota.GetProperty("limit").GetInt64() == QuotaLimit
            && quota.GetProperty("used").GetInt64() >= 1;
        return right
            ? answer.GetProperty("quota").GetProperty("used").GetInt64()
            : throw new InvalidOperationException($"{Name}: the verify answer does not show the plan checked: {answer}");
    }
}
