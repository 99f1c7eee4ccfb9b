using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace Keel.Storage;

/// <summary>The <c>Redis</c> configuration section.</summary>
public sealed class RedisOptions : IValidatableObject
{
    /// <summary>StackExchange.Redis configuration string; Redis is used only when this is set.</summary>
    public string? ConnectionString { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(ConnectionString) && !Parses(ConnectionString))
        {
            yield return new ValidationResult("Redis:ConnectionString must be a StackExchange.Redis configuration naming at least one server.",
                [nameof(ConnectionString)]);
        }
    }

    static bool Parses(string connectionString)
    {
        try
        {
            return ConfigurationOptions.Parse(connectionString).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
