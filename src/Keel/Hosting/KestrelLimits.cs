using System.Reflection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Keel.Hosting;

/// <summary>
/// <c>Kestrel:Limits:*</c> (MaxRequestLineSize, RequestHeadersTimeout, ...) are settings like any other. Kestrel's setters
/// refuse bad values without saying which setting held them, so each is bound alone and a refusal names it.
/// </summary>
internal static class KestrelLimits
{
    const string Section = "Kestrel:Limits";

    public static void Bind(IConfiguration configuration, KestrelServerLimits limits)
    {
        foreach (var (key, value) in configuration.GetSection(Section).AsEnumerable(makePathsRelative: true))
        {
            if (value is null)
            {
                continue;
            }
            try
            {
                new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build().Bind(limits);
            }
            catch (Exception e) when (e is InvalidOperationException or TargetInvocationException { InnerException: ArgumentException })
            {
                throw new OptionsValidationException(Section, typeof(KestrelServerLimits), [$"{Section}:{key}: {(e.InnerException ?? e).Message}"]);
            }
        }
    }
}
