namespace Keel.Keys;

/// <summary>
/// Hears every verification's outcome; usage analytics counts them. It sits on the verify path, so it must
/// answer at once without I/O.
/// </summary>
public interface IVerificationCounter
{
    void Verified(string tenantId, string keyId, string code, DateTimeOffset now);

    /// <summary>A key that is unknown to the tenant (<see cref="VerifyCodes.NotFound"/>), as it was presented.</summary>
    void NotFound(string tenantId, string presentedKey, DateTimeOffset now);
}
