using System.ComponentModel.DataAnnotations;

namespace Keel.Http;

/// <summary>The <c>Http</c> configuration section.</summary>
public sealed class HttpOptions
{
    /// <summary>Largest request body accepted, in bytes. Larger ones get 413 <c>validation.body_too_large</c>.</summary>
    [Range(typeof(long), "1024", "1073741824", ErrorMessage = "Http:MaxRequestBodyBytes must be from 1024 to 1073741824 (1 KiB to 1 GiB).")]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
