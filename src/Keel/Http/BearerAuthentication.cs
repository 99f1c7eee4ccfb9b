using System.Security.Claims;
using System.Text.Encodings.Web;
using Keel.Keys;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Keel.Http;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;secret&gt;</c>: the platform admin token, or a management
/// key (through the same in-memory cache as verification, so no database read per request). A
/// refusal is a 401 problem naming why.
/// </summary>
internal sealed class BearerAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder,
    AdminTokens adminTokens, KeyCache keys, LastUsedTracker lastUsed, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Bearer";
    const string FailureItem = "keel.auth.failure";

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
        var hash = Secrets.Hash(secret);
        if (await adminTokens.IsAdminAsync(secret, hash, Context.RequestAborted))
        {
            return Success([new(KeelClaims.Kind, KeelClaims.PlatformAdmin)]);
        }
        // Anything else than a management key's shape is refused before the key cache or the database sees it.
        if (!KeyIssuer.IsManagementKeyShape(secret))
        {
            return Fail(ErrorCodes.InvalidCredentials, "The bearer secret is not a known admin token or management key.");
        }
        var key = await keys.GetAsync(hash, Context.RequestAborted);
        if (key is null || key.Kind != ApiKey.Management || key.Role is null)
        {
            return Fail(ErrorCodes.InvalidCredentials, "The bearer secret is not a known admin token or management key.");
        }
        switch (key.StateAt(time.GetUtcNow().UtcDateTime))
        {
            case KeyState.Revoked:
                return Fail(ErrorCodes.KeyRevoked, null);
            case KeyState.Expired:
                return Fail(ErrorCodes.KeyExpired, null);
        }
        lastUsed.Touch(key.TenantId, key.Id);
        List<Claim> claims =
        [
            new(KeelClaims.Kind, KeelClaims.ManagementKey), new(KeelClaims.TenantId, key.TenantId),
            new(KeelClaims.KeyId, key.Id), new(KeelClaims.Role, key.Role),
        ];
        return Success(claims);
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
