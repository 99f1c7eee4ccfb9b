using Microsoft.AspNetCore.Authorization;

namespace Keel.Http;

/// <summary>A route's required permission; each permission is a policy of the same name.</summary>
public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;
