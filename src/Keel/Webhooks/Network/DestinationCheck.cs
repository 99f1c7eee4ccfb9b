using Keel.Http;

namespace Keel.Webhooks;

/// <summary>The verdict on a webhook URL: <see cref="Ok"/>, or the error code and message to answer with.</summary>
internal sealed record DestinationCheck(bool Ok, string? Code, string? Message)
{
    public static readonly DestinationCheck Passed = new(true, null, null);

    public static DestinationCheck Invalid(string message) => new(false, ErrorCodes.ValidationFailed.Code, message);

    public static DestinationCheck Forbidden(string message) => new(false, DestinationForbiddenException.ErrorCode, message);
}
