namespace Keel.Tests.Infrastructure;

/// <summary>
/// A Keel node whose dispatcher may send to loopback receivers (plain http, 127.0.0.0/8 opened, their
/// answers stored as from any receiver) and retries on a fast schedule, shared by the tests of one class. Tests that
/// need other settings start a node of their own with <see cref="StartNodeAsync"/>.
/// </summary>
public abstract class WebhookFixture(Provider provider) : KeelFixture(provider, Settings())
{
    /// <summary>A fixed master key, so no test writes a key file.</summary>
    public const string MasterKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    /// <summary>
    /// Three retries 300 ms apart, no jitter: a delivery is dead about a second after its first failure.
    /// <paramref name="extra"/> adds or replaces settings; a null value leaves that setting unset.
    /// </summary>
    public static Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowedNetworks:0"] = "127.0.0.0/8",
            ["Webhooks:StoreResponsesFromAllowedNetworks"] = "true",
            ["Webhooks:RetrySchedule:0"] = "00:00:00.3",
            ["Webhooks:RetrySchedule:1"] = "00:00:00.3",
            ["Webhooks:RetrySchedule:2"] = "00:00:00.3",
            ["Webhooks:RetryJitter"] = "0",
            ["Webhooks:PollInterval"] = "00:00:00.2",
            ["Webhooks:AttemptTimeout"] = "00:00:05",
            ["Webhooks:LeaseDuration"] = "00:00:10",
            ["Keel:MasterKey"] = MasterKey,
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                settings.Remove(name); // back to Keel's default
            }
            else
            {
                settings[name] = value;
            }
        }
        return settings;
    }

    public static Task<KeelNode> StartNodeAsync(Provider provider, IReadOnlyDictionary<string, string?>? extra = null, string? connectionString = null) =>
        KeelNode.StartAsync(provider, Settings(extra), connectionString);
}

public sealed class WebhookSqliteFixture() : WebhookFixture(Provider.Sqlite);

public sealed class WebhookPostgresFixture() : WebhookFixture(Provider.Postgres);
