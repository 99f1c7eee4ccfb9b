namespace Keel.Tests.Infrastructure;

/// <summary>What <see cref="LoopbackReceiver"/> answers to one request.</summary>
public sealed record ReceiverResponse(int Status, IReadOnlyDictionary<string, string>? Headers = null, string? Body = null);
