namespace Keel.Storage;

/// <summary>
/// Keel's files hold key hashes, sealed secrets and the key that unseals them, so only the user running Keel
/// may open them: the folders Keel creates are mode 0700 and its files 0600. The mode is given at creation
/// (a umask can only take bits away from it), so no other user can open them even for a moment.
/// </summary>
internal static class PrivateFiles
{
    const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> (and missing parents) as 0700; an existing folder keeps its mode.</summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path); // a new folder takes its parent's ACL
        }
        else if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, FolderMode);
        }
    }

    /// <summary>
    /// Creates an empty <paramref name="path"/> as 0600 unless it exists: SQLite then opens it as an empty
    /// database and gives its -wal and -shm files the same mode.
    /// </summary>
    public static void CreateEmptyFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }
        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = System.IO.FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = FileMode,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first, with the same mode.
        }
    }
}
