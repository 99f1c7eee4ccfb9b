using System.Runtime.CompilerServices;

namespace Keel.Tests.Infrastructure;

public static class RepositoryFiles
{
    /// <summary>
    /// The folder holding Keel.slnx, above the test binaries; when they were built elsewhere
    /// (<c>--artifacts-path</c>), above this source file.
    /// </summary>
    public static string Root([CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source) }.OfType<string>().Where(s => s.Length > 0))
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Keel.slnx")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException($"No Keel.slnx above {AppContext.BaseDirectory} or {source}.");
    }
}
