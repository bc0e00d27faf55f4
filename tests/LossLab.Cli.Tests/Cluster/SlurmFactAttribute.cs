using System.Runtime.InteropServices;

namespace LossLab.Cli.Tests.Cluster;

/// <summary>
/// A fact that needs Slurm daemons on this machine (scripts/slurm-local.sh starts them). It is skipped, with the
/// reason, only where they cannot run: not root, or Slurm missing with no apt-get to install it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (CannotRun() is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>Why this machine cannot run a local Slurm cluster, or null when it can.</summary>
    public static string? CannotRun()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Slurm daemons need Linux";
        }

        if (GetEffectiveUserId() != 0)
        {
            return "Slurm daemons run as root and the tests do not (scripts/slurm-local.sh needs root)";
        }

        return OnPath("slurmctld") || OnPath("apt-get") ? null : "Slurm is not installed and there is no apt-get to install it";
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .Any(dir => File.Exists(Path.Combine(dir, program)));

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();
}
