using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Keel.Http;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;secret&gt;</c>: the platform admin token, or a secret of a kind a
/// feature registers (<see cref="IBearerCredentials"/>: management keys). A refusal is a 401 problem naming why.
/// </summary>
internal sealed class BearerAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder,
    AdminTokens adminTokens, IEnumerable<IBearerCredentials> kinds)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Bearer";
    const string FailureItem = "keel.auth.failure";
    const string Unknown = "The bearer secret is not a known admin token or management key.";
    readonly IBearerCredentials[] _kinds = [.. kinds];

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return Fail(ErrorCodes.MissingCredentials, null);
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length > 512)
        {
            return Fail(ErrorCodes.InvalidCredentials, "The Authorization header must be 'Bearer <secret>'.");
        }
        var secret = header[7..].Trim();
        if (secret.Length == 0)
        {
            return Fail(ErrorCodes.InvalidCredentials, "The Authorization header must be 'Bearer <secret>'.");
        }
        var hash = BearerSecrets.Hash(secret);
        if (await adminTokens.IsAdminAsync(secret, hash, Context.RequestAborted))
        {
            return Success([new(KeelClaims.Kind, KeelClaims.PlatformAdmin)]);
        }
        foreach (var kind in _kinds)
        {
            var outcome = await kind.AuthenticateAsync(secret, hash, Context.RequestAborted);
            if (outcome.Recognised)
            {
                return outcome.Claims is { } claims
                    ? Success(claims)
                    : Fail(outcome.Error!, outcome.Error == ErrorCodes.InvalidCredentials ? Unknown : null);
            }
        }
        return Fail(ErrorCodes.InvalidCredentials, Unknown);
    }

    static AuthenticateResult Success(List<Claim> claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    AuthenticateResult Fail(ErrorCode error, string? detail)
    {
        Context.Items[FailureItem] = (error, detail);
        return error == ErrorCodes.MissingCredentials ? AuthenticateResult.NoResult() : AuthenticateResult.Fail(error.Title);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var (error, detail) = Context.Items[FailureItem] as (ErrorCode, string?)? ?? (ErrorCodes.MissingCredentials, null);
        Response.StatusCode = error.Status;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.WriteAsync(Context, error, detail);
    }
}
