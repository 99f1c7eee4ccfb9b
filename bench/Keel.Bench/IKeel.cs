namespace Keel.Bench;

/// <summary>A running Keel, in the bench's process (<see cref="KeelServer"/>) or in its own (<see cref="KeelProcess"/>).</summary>
public interface IKeel : IAsyncDisposable
{
    Uri BaseAddress { get; }
}
