using Keel.Http;

namespace Keel.Keys;

/// <summary>
/// Management keys as bearer credentials, found through the same in-memory cache as verification, so an
/// authenticated call costs no database read once the key is warm.
/// </summary>
internal sealed class ManagementKeyCredentials(KeyCache keys, LastUsedTracker lastUsed, TimeProvider time) : IBearerCredentials
{
    public async ValueTask<BearerOutcome> AuthenticateAsync(string secret, string hash, CancellationToken ct)
    {
        // Anything else than a management key's shape is refused before the key cache or the database sees it.
        if (!KeyIssuer.IsManagementKeyShape(secret))
        {
            return BearerOutcome.NotMine;
        }
        var key = await keys.GetAsync(hash, ct);
        if (key is null || key.Kind != ApiKey.Management || key.Role is null)
        {
            return BearerOutcome.Refused(ErrorCodes.InvalidCredentials);
        }
        switch (key.StateAt(time.GetUtcNow().UtcDateTime))
        {
            case KeyState.Revoked:
                return BearerOutcome.Refused(ErrorCodes.KeyRevoked);
            case KeyState.Expired:
                return BearerOutcome.Refused(ErrorCodes.KeyExpired);
        }
        lastUsed.Touch(key.TenantId, key.Id);
        return BearerOutcome.Authenticated(
        [
            new(KeelClaims.Kind, KeelClaims.ManagementKey), new(KeelClaims.TenantId, key.TenantId),
            new(KeelClaims.KeyId, key.Id), new(KeelClaims.Role, key.Role),
        ]);
    }
}
