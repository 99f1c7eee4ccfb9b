using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Keel.Storage;

/// <summary>
/// How every options class is bound and checked: DataAnnotations on its properties (and <see cref="IValidatableObject"/>
/// for rules across settings), each message naming the setting (<c>Keys:CacheTtl must be ...</c>), checked at start.
/// </summary>
public static class Settings
{
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section) where T : class
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, AnnotationsValidator<T>>());
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>Like <c>ValidateDataAnnotations</c>, but the failures are the messages alone, which already name the setting.</summary>
    sealed class AnnotationsValidator<T> : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            List<ValidationResult> results = [];
            return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(results.Select(r => r.ErrorMessage ?? $"{typeof(T).Name} is invalid."));
        }
    }
}
