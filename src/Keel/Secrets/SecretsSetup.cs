using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Secrets;

public static partial class SecretsSetup
{
    public static IHostApplicationBuilder AddSecrets(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<SealingOptions>("Keel").PostConfigure<IConfiguration>(SealingOptions.ApplyDeprecatedNames);
        builder.Services.AddSingleton<ISecretSealer, MasterKeySealer>();
        builder.Services.AddSingleton<IStartupTask, MasterKeyCheck>();
        return builder;
    }

    /// <summary>Loads (or creates) the master key at start, so a broken key file stops the process at once.</summary>
    sealed partial class MasterKeyCheck(
        ISecretSealer sealer, IOptions<SealingOptions> options, IOptions<StorageOptions> storage, ILogger<MasterKeyCheck> logger) : IStartupTask
    {
        public int Order => StartupOrder.MasterKey;

        public Task RunAsync(CancellationToken ct)
        {
            foreach (var setting in options.Value.DeprecatedSettings)
            {
                Deprecated(logger, setting, setting.Replace("Webhooks:", "Keel:", StringComparison.Ordinal));
            }
            sealer.EnsureReady();
            if (storage.Value.IsPostgres && string.IsNullOrEmpty(options.Value.MasterKey))
            {
                // A key file is per machine: nodes with different keys cannot read each other's secrets.
                KeyFileInCluster(logger, Path.GetFullPath(options.Value.MasterKeyFile));
            }
            return Task.CompletedTask;
        }

        [LoggerMessage(EventId = 49, Level = LogLevel.Warning,
            Message = "Keel:MasterKey is not set; this node seals secrets with the key in {File}. Every node on this database needs the same key: set Keel:MasterKey on all of them.")]
        static partial void KeyFileInCluster(ILogger logger, string file);

        [LoggerMessage(EventId = 51, Level = LogLevel.Warning, Message = "{Old} is deprecated and will be removed; set {New} instead.")]
        static partial void Deprecated(ILogger logger, string old, string @new);
    }
}
