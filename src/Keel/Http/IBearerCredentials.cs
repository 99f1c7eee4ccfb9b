using System.Security.Claims;

namespace Keel.Http;

/// <summary>
/// One kind of bearer secret besides the admin token (management keys today; member sessions later). The
/// edge asks each kind in turn; the first that recognises the secret's shape decides.
/// </summary>
public interface IBearerCredentials
{
    /// <summary><paramref name="hash"/> is the secret's SHA-256, computed once for every kind.</summary>
    ValueTask<BearerOutcome> AuthenticateAsync(string secret, string hash, CancellationToken ct);
}

/// <summary>Not this kind's shape (<see cref="NotMine"/>), a refusal with its error, or the caller's claims.</summary>
public readonly record struct BearerOutcome(bool Recognised, ErrorCode? Error, List<Claim>? Claims)
{
    public static readonly BearerOutcome NotMine = new(false, null, null);

    public static BearerOutcome Refused(ErrorCode error) => new(true, error, null);

    public static BearerOutcome Authenticated(List<Claim> claims) => new(true, null, claims);
}
