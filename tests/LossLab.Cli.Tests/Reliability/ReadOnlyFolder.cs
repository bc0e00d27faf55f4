using System.Diagnostics;

namespace LossLab.Cli.Tests.Reliability;

/// <summary>
/// Makes a folder refuse new files at the OS level: mode 0555, or, since root ignores permission bits, the
/// immutable attribute (<c>chattr +i</c>). Dispose makes it writable again.
/// </summary>
internal sealed class ReadOnlyFolder : IDisposable
{
    private const UnixFileMode ReadAndList = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
        UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly string path;
    private readonly UnixFileMode mode;
    private bool immutable;

    public ReadOnlyFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Unix file modes");
        }

        this.path = path;
        mode = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, ReadAndList);
        if (!CanCreateFile(path))
        {
            Method = "chmod 0555";
            return;
        }

        var (code, error) = Chattr("+i");
        immutable = code == 0;
        Method = "chattr +i";
        Assert.True(immutable && !CanCreateFile(path), $"cannot make {path} read-only here (chmod 0555 is ignored by root; chattr +i: {error})");
    }

    /// <summary>How the folder was made read-only.</summary>
    public string Method { get; }

    public void Dispose()
    {
        if (immutable)
        {
            Chattr("-i");
            immutable = false;
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static bool CanCreateFile(string folder)
    {
        var probe = Path.Combine(folder, ".probe");
        try
        {
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private (int Code, string Error) Chattr(string flag)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error.Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
