using System.ComponentModel.DataAnnotations;

namespace Keel.Webhooks;

/// <summary>The <c>Webhooks</c> configuration section.</summary>
public sealed class WebhooksOptions : IValidatableObject
{
    /// <summary>
    /// Delays before the 2nd, 3rd, ... attempt; after the last one a delivery is dead. Svix's schedule,
    /// which spreads 8 attempts over about 28 hours.
    /// </summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>The schedule used when <see cref="RetrySchedule"/> is empty.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    public IReadOnlyList<TimeSpan> EffectiveRetrySchedule => RetrySchedule.Count > 0 ? RetrySchedule : DefaultRetrySchedule;

    /// <summary>Each retry delay is moved by up to this fraction either way, so failed endpoints are not hit in waves.</summary>
    [Range(0.0, 0.5, ErrorMessage = "Webhooks:RetryJitter must be from 0 to 0.5.")]
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>Per-attempt timeout: connect, send and read the answer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Webhooks:AttemptTimeout must be from 1 second to 1 hour.")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A 429 or 503 answer's <c>Retry-After</c> is honoured up to this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Webhooks:MaxRetryAfter must be from 1 second to 1 day.")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An endpoint that has failed without a single success for this long is disabled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00", ErrorMessage = "Webhooks:DisableAfter must be from 1 second to 365 days.")]
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// How long a claimed delivery belongs to the worker that claimed it. A worker that dies holding
    /// deliveries delays them by at most this; it must exceed the attempt timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Webhooks:LeaseDuration must be from 1 second to 1 hour.")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The backstop poll when no wake-up signal arrives (a publish on a node without NOTIFY, a due retry).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Webhooks:PollInterval must be from 10 milliseconds to 1 hour.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries claimed per round trip.</summary>
    [Range(1, 5000, ErrorMessage = "Webhooks:ClaimBatchSize must be from 1 to 5000.")]
    public int ClaimBatchSize { get; set; } = 500;

    /// <summary>Deliveries one worker holds at once: in flight, or sent with their outcome not yet recorded.</summary>
    [Range(1, 10000, ErrorMessage = "Webhooks:MaxConcurrency must be from 1 to 10000.")]
    public int MaxConcurrency { get; set; } = 512;

    /// <summary>Events, deliveries and attempts older than this are deleted (in small batches).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3660.00:00:00", ErrorMessage = "Webhooks:Retention must be from 1 second to 10 years.")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Rows deleted per retention statement: small enough never to hold a lock for long.</summary>
    [Range(10, 100000, ErrorMessage = "Webhooks:RetentionBatchSize must be from 10 to 100000.")]
    public int RetentionBatchSize { get; set; } = 1000;

    /// <summary>Plain <c>http://</c> destinations are refused unless this is true.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>CIDR ranges opened despite the SSRF guard (for example a private network you own).</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>
    /// Keep the answer's body with an attempt when its receiver is in an <see cref="AllowedNetworks"/> range.
    /// Off by default: there a tenant's URL reaches the operator's own services, and the body would show them.
    /// </summary>
    public bool StoreResponsesFromAllowedNetworks { get; set; }

    /// <summary>The default grace period of a secret rotation.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Webhooks:DefaultSecretGrace must be from 0 to 7 days.")]
    public TimeSpan DefaultSecretGrace { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a repeated idempotency key returns the first event.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Webhooks:IdempotencyWindow must be from 1 second to 30 days.")]
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The Postgres NOTIFY channel that wakes dispatchers on other nodes after a publish.</summary>
    [Required(ErrorMessage = WakeChannelMessage), RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = WakeChannelMessage)]
    public string WakeChannel { get; set; } = "keel_webhooks";

    /// <summary>Run the dispatcher on worker nodes (tests turn it off to drive it by hand).</summary>
    public bool DispatcherEnabled { get; set; } = true;

    const string WakeChannelMessage = "Webhooks:WakeChannel must be a lowercase identifier of at most 63 characters (letters, digits, '_').";

    /// <summary>A schedule has at most this many delays, so a delivery's attempts stay countable.</summary>
    const int MaxRetries = 100;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetrySchedule.Count > MaxRetries || RetrySchedule.Any(d => d <= TimeSpan.Zero || d > TimeSpan.FromDays(30)))
        {
            yield return new ValidationResult(
                $"Webhooks:RetrySchedule must list at most {MaxRetries} delays, each more than 0 and at most 30 days (\"00:00:05\").", [nameof(RetrySchedule)]);
        }
        if (AttemptTimeout >= LeaseDuration)
        {
            yield return new ValidationResult("Webhooks:AttemptTimeout must be shorter than Webhooks:LeaseDuration.", [nameof(AttemptTimeout)]);
        }
        if (!WebhookNetworkPolicy.TryParseNetworks(AllowedNetworks, out _, out var error))
        {
            yield return new ValidationResult(error, [nameof(AllowedNetworks)]);
        }
    }
}
