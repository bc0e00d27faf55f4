using System.Diagnostics;
using System.Runtime.InteropServices;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Cluster;

/// <summary>scripts/slurm-local.sh leaves nothing running, however its command or it ends.</summary>
public sealed class SlurmLocalScriptTests
{
    private const int SigTerm = 15;

    [SlurmFact]
    public void Should_ReturnTheCommandsExitCodeAndStopEveryDaemon_When_TheCommandFails()
    {
        // Given a folder for the cluster's files
        using var scratch = new TempFolder("slurm-local-fail");
        var directory = scratch.File("cluster");

        // When the script runs a command that looks at the node and then fails
        using var script = Process.Start(Script(directory, "--", "sh", "-c", "sinfo -h -o %T; exit 3"))!;
        var output = script.StandardOutput.ReadToEndAsync();
        var error = script.StandardError.ReadToEndAsync();
        Assert.True(script.WaitForExit(LocalSlurm.Patience), "slurm-local.sh did not finish");
        script.WaitForExit();

        // Then the command saw an idle node, its exit code is the script's, and none of the daemons outlived it
        Assert.True(script.ExitCode == 3, $"exit {script.ExitCode}:\n{error.Result}");
        Assert.Equal("idle", output.Result.Trim());
        Assert.Equal(["munged", "slurmctld", "slurmd"], LocalSlurm.ReadDaemons(directory).Select(d => d.Name));
        Assert.Empty(LocalSlurm.SurvivorsOf(directory));
    }

    [SlurmFact]
    public void Should_StopEveryDaemon_When_TheScriptIsTerminatedWhileTheClusterIsUp()
    {
        // Given the cluster kept up by the script, with a job running on it
        using var scratch = new TempFolder("slurm-local-term");
        using var cluster = LocalSlurm.Start(scratch.File("cluster"));
        var job = cluster.Slurm("sbatch", "--parsable", $"--output={scratch.File("job.out")}", "--wrap", "sleep 600").Trim();
        var watch = Stopwatch.StartNew();
        while (cluster.JobState(job) != "RUNNING")
        {
            Assert.True(watch.Elapsed < LocalSlurm.Patience, $"job {job} never ran: {cluster.JobState(job)}");
            Thread.Sleep(100);
        }

        // When the script gets SIGTERM (as from kill or a service manager)
        Assert.Equal(0, Kill(cluster.ScriptProcessId, SigTerm));
        var survivors = cluster.Stop();

        // Then the job was cancelled and every daemon stopped: no process of the cluster is left, not even the job's sleep
        Assert.Empty(survivors);
        Assert.Contains("CANCELLED", cluster.CompletedJobs, StringComparison.Ordinal);
    }

    private static ProcessStartInfo Script(string directory, params string[] args)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RepositoryFiles.At("scripts", "slurm-local.sh"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SLURM_LOCAL_DIR"] = directory;
        return info;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
