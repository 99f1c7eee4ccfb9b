using System.Security.Cryptography;
using System.Text;

namespace Keel.Secrets;

/// <summary>The platform master key, which <see cref="SecretProtector"/> seals secrets with.</summary>
internal static class MasterKey
{
    const int KeyBytes = 32;

    /// <summary>
    /// The configured key if there is one, otherwise the key in <paramref name="filePath"/>, which is
    /// created (mode 0600) with a new random key the first time. <paramref name="setting"/> names the
    /// configured key's setting in the error.
    /// </summary>
    /// <exception cref="InvalidOperationException">The setting or the file does not hold the base64 of 32 bytes.</exception>
    public static byte[] Load(string? configuredBase64, string filePath, string setting = "Keel:MasterKey")
    {
        if (!string.IsNullOrEmpty(configuredBase64))
        {
            return Decode(configuredBase64)
                ?? throw new InvalidOperationException($"{setting} must be the base64 of exactly {KeyBytes} bytes.");
        }

        ArgumentException.ThrowIfNullOrEmpty(filePath);
        return (File.Exists(filePath) ? null : TryCreate(filePath)) ?? Read(filePath);
    }

    static byte[] Read(string filePath)
    {
        // A process that just created the file may not have written it yet (see TryCreate).
        for (var wait = 0; wait < 50 && new FileInfo(filePath).Length == 0; wait++)
        {
            Thread.Sleep(10);
        }
        return Decode(File.ReadAllText(filePath))
            ?? throw new InvalidOperationException($"The master key file '{filePath}' must hold the base64 of exactly {KeyBytes} bytes.");
    }

    /// <summary>A new key written to <paramref name="filePath"/>, or null if another process created the file first.</summary>
    static byte[]? TryCreate(string filePath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(filePath));
        if (directory is not null)
        {
            Storage.PrivateFiles.CreateFolder(directory);
        }

        // CreateNew, not an exists check, decides which of several starting processes writes the key.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Set as the file is created, so the key is never readable by others, even briefly.
            // (Windows gives a new file its directory's ACL.)
            options.UnixCreateMode = Storage.PrivateFiles.FileMode;
        }

        using var stream = CreateNew(filePath, options);
        if (stream is null)
        {
            return null;
        }
        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key)));
        // Secrets are encrypted with this key from now on: losing it to a crash would lose them all.
        stream.Flush(flushToDisk: true);
        return key;
    }

    /// <summary>The new file, or null when it already exists (another process won).</summary>
    static FileStream? CreateNew(string filePath, FileStreamOptions options)
    {
        try
        {
            return new FileStream(filePath, options);
        }
        catch (IOException) when (File.Exists(filePath))
        {
            return null;
        }
    }

    public static bool IsValid(string base64) => Decode(base64) is not null;

    static byte[]? Decode(string base64)
    {
        var key = new byte[KeyBytes];
        return Convert.TryFromBase64String(base64.Trim(), key, out var written) && written == KeyBytes ? key : null;
    }
}
