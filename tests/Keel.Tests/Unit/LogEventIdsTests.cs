using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Keel.Tests.Unit;

/// <summary>Every source-generated log message has its own event id, so an operator's filter on an id means one thing.</summary>
public sealed class LogEventIdsTests
{
    [Fact]
    public void EveryLoggerMessage_HasAnEventIdOfItsOwn()
    {
        var messages = (from type in typeof(Keel.Storage.KeelDb).Assembly.GetTypes()
                        from method in type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
                        where attribute is not null
                        select (attribute.EventId, Name: $"{type.Name}.{method.Name}")).ToList();

        Assert.True(messages.Count > 20, $"only {messages.Count} logger messages found");
        var shared = messages.GroupBy(m => m.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Name))}").ToList();
        Assert.Empty(shared);
    }
}
