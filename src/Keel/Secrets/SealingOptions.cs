using System.ComponentModel.DataAnnotations;

namespace Keel.Secrets;

/// <summary>The platform master key, in section <c>Keel</c>.</summary>
public sealed class SealingOptions : IValidatableObject
{
    /// <summary>Base64 of the 32-byte master key. When unset, <see cref="MasterKeyFile"/> is used (and created).</summary>
    public string? MasterKey { get; set; }

    /// <summary>Where the master key is kept when <see cref="MasterKey"/> is unset; created with mode 0600.</summary>
    [Required(ErrorMessage = "Keel:MasterKeyFile must name a file.")]
    public string MasterKeyFile { get; set; } = ".keel/master.key";

    /// <summary>The setting <see cref="MasterKey"/> came from, for messages: <c>Keel:MasterKey</c> or the old name.</summary>
    internal string MasterKeySetting { get; set; } = "Keel:MasterKey";

    /// <summary>Old names this configuration still uses; each is logged at start.</summary>
    internal List<string> DeprecatedSettings { get; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(MasterKey) && !Secrets.MasterKey.IsValid(MasterKey))
        {
            yield return new ValidationResult($"{MasterKeySetting} must be base64 of exactly 32 bytes.", [nameof(MasterKey)]);
        }
    }

    /// <summary>Before the neutral names the key was a webhook setting; those names keep working when the new ones are unset.</summary>
    internal static void ApplyDeprecatedNames(SealingOptions options, IConfiguration config)
    {
        if (string.IsNullOrEmpty(config["Keel:MasterKey"]) && config["Webhooks:MasterKey"] is { Length: > 0 } key)
        {
            options.MasterKey = key;
            options.MasterKeySetting = "Webhooks:MasterKey";
            options.DeprecatedSettings.Add("Webhooks:MasterKey");
        }
        if (string.IsNullOrEmpty(config["Keel:MasterKeyFile"]) && config["Webhooks:MasterKeyFile"] is { Length: > 0 } file)
        {
            options.MasterKeyFile = file;
            options.DeprecatedSettings.Add("Webhooks:MasterKeyFile");
        }
    }
}
