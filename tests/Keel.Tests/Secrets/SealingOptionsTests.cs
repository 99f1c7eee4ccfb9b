using System.Security.Cryptography;
using Keel.Secrets;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Keel.Tests.Secrets;

/// <summary>The master key's settings: <c>Keel:MasterKey</c>, and the old <c>Webhooks:*</c> names that keep working.</summary>
public sealed class SealingOptionsTests
{
    static readonly string KeelKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    static readonly string WebhooksKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task DeprecatedWebhooksMasterKey_StillSeals_AndStartLogsTheNewName()
    {
        var (host, logs) = Build(new() { ["Webhooks:MasterKey"] = WebhooksKey });
        using (host)
        {
            await host.StartAsync();
            var blob = host.Services.GetRequiredService<ISecretSealer>().SealText("s3cret", "test:1");
            await host.StopAsync();

            Assert.Equal("s3cret"u8.ToArray(), new SecretProtector(Convert.FromBase64String(WebhooksKey)).Unprotect(blob, "test:1"));
            Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning
                && e.Message.Contains("Webhooks:MasterKey is deprecated", StringComparison.Ordinal)
                && e.Message.Contains("Keel:MasterKey", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task KeelMasterKey_WinsOverTheOldName_WithNoWarning()
    {
        var (host, logs) = Build(new() { ["Keel:MasterKey"] = KeelKey, ["Webhooks:MasterKey"] = WebhooksKey });
        using (host)
        {
            await host.StartAsync();
            var blob = host.Services.GetRequiredService<ISecretSealer>().SealText("s3cret", "test:2");
            await host.StopAsync();

            Assert.Equal("s3cret"u8.ToArray(), new SecretProtector(Convert.FromBase64String(KeelKey)).Unprotect(blob, "test:2"));
            Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("deprecated", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void DeprecatedKeyFile_IsUsed_WhenTheNewNameIsUnset()
    {
        var file = Path.Combine(Path.GetTempPath(), $"keel-old-{Guid.NewGuid():N}.key");
        var (host, _) = Build(new() { ["Webhooks:MasterKeyFile"] = file });
        using (host)
        {
            var options = host.Services.GetRequiredService<IOptions<SealingOptions>>().Value;

            Assert.Equal(file, options.MasterKeyFile);
            Assert.Equal(["Webhooks:MasterKeyFile"], options.DeprecatedSettings);
        }
    }

    [Fact]
    public void BadKeelMasterKey_FailsValidation_NamingIt()
    {
        var (host, _) = Build(new() { ["Keel:MasterKey"] = "not a key" });
        using (host)
        {
            var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<SealingOptions>>().Value);

            Assert.Contains("Keel:MasterKey", error.Message, StringComparison.Ordinal);
        }
    }

    static (IHost Host, CapturingLoggerProvider Logs) Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        var logs = new CapturingLoggerProvider();
        builder.Logging.AddProvider(logs);
        builder.Services.AddOptions<StorageOptions>();
        builder.Services.AddHostedService<StartupTasks>();
        builder.AddSecrets();
        return (builder.Build(), logs);
    }
}
