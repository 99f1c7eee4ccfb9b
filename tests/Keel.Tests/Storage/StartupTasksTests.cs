using Keel.Storage;

namespace Keel.Tests.Storage;

public sealed class StartupTasksTests
{
    sealed class Recorded(int order, List<int> runs) : IStartupTask
    {
        public int Order => order;

        public Task RunAsync(CancellationToken ct)
        {
            runs.Add(order);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Tasks_RunByTheirOrder_NotByRegistration()
    {
        List<int> runs = [];
        var tasks = new StartupTasks([new Recorded(StartupOrder.AdminToken, runs), new Recorded(StartupOrder.MasterKey, runs), new Recorded(StartupOrder.Migrations, runs)]);

        await tasks.StartingAsync(CancellationToken.None);

        Assert.Equal([StartupOrder.Migrations, StartupOrder.MasterKey, StartupOrder.AdminToken], runs);
    }

}
