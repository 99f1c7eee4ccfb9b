using System.ComponentModel.DataAnnotations;

namespace Keel.Http;

/// <summary>The <c>Keel</c> configuration section.</summary>
public sealed class KeelOptions
{
    /// <summary>
    /// The platform admin token. When unset, Keel generates one at first start, prints it once and
    /// stores only its hash (`keel admin-token rotate` makes a new one).
    /// </summary>
    [MinLength(32, ErrorMessage = "Keel:AdminToken must be at least 32 characters.")]
    public string? AdminToken { get; set; }

    /// <summary><c>api</c>, <c>worker</c> or <c>all</c> (set by <c>keel serve --role</c>).</summary>
    [Required(ErrorMessage = RoleMessage), RegularExpression("^(api|worker|all)$", ErrorMessage = RoleMessage)]
    public string Role { get; set; } = "all";

    public bool ServesApi => Role is "api" or "all";
    public bool RunsWorkers => Role is "worker" or "all";

    const string RoleMessage = "Keel:Role must be 'api', 'worker' or 'all'.";
}
