namespace Keel.Events;

public static class EventsSetup
{
    /// <summary>The outbox; each consumer registers itself as an <see cref="IOutboxConsumer"/>.</summary>
    public static IHostApplicationBuilder AddEvents(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Outbox>();
        return builder;
    }
}
