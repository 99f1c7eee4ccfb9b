namespace Keel.Webhooks;

/// <summary>
/// Why an attempt failed when there is no HTTP answer to show (<c>error_code</c> of an attempt). An
/// answer other than 2xx is recorded by its status code instead.
/// </summary>
public static class AttemptErrors
{
    public const string Timeout = "webhooks.timeout";
    public const string ConnectionFailed = "webhooks.connection_failed";
    public const string DestinationForbidden = "webhooks.destination_forbidden";
    public const string SendFailed = "webhooks.send_failed";
    public const string NoSecret = "webhooks.no_secret";
    /// <summary>A live signing secret of the endpoint does not decrypt with the worker's master key.</summary>
    public const string SecretUnreadable = "webhooks.secret_unreadable";
    /// <summary>Signing or sending failed in Keel itself; the worker's log has the exception.</summary>
    public const string InternalError = "webhooks.internal_error";
}
