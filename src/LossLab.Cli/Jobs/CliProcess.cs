using System.Diagnostics;
using System.Reflection;

namespace LossLab.Cli.Jobs;

/// <summary>How to start this <c>losslab</c> again as a child process, however it was started itself.</summary>
internal static class CliProcess
{
    /// <summary>
    /// A start for <c>losslab</c> with <paramref name="args"/>: the executable this process runs as when that is the
    /// command itself (an installed .NET tool's <c>losslab</c>, a published executable), otherwise <c>dotnet</c> with
    /// the CLI's assembly (<c>dotnet LossLab.Cli.dll</c>, <c>dotnet run</c>, or the CLI called inside another program).
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither the executable nor the assembly can be found.</exception>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var cli = typeof(Program).Assembly;
        var host = Environment.ProcessPath;
        ProcessStartInfo info;
        if (Assembly.GetEntryAssembly() == cli && host is not null && !IsDotnet(host))
        {
            info = new ProcessStartInfo(host);
        }
        else
        {
            // Empty in a single-file executable, which the first case covers.
            var assembly = cli.Location;
            if (string.IsNullOrEmpty(assembly))
            {
                throw new InvalidOperationException("--jobs: cannot find the losslab executable or LossLab.Cli.dll to start runs in; use --jobs 1");
            }

            info = new ProcessStartInfo(host is not null && IsDotnet(host) ? host : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
            info.ArgumentList.Add(assembly);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.UseShellExecute = false;
        return info;
    }

    private static bool IsDotnet(string path) => Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
}
