using System.Diagnostics;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Cluster;

/// <summary>
/// The tests' tiny experiment (2 losses × 2 seeds, 1 epoch, 1,000 Fashion-MNIST training images, one thread, one run at a time) run in
/// one <c>losslab</c> process: what a sharded run on the cluster must reproduce. It starts when the fixture is made,
/// so it trains beside the cluster's jobs, and its folder is deleted with the fixture.
/// </summary>
public sealed class ReferenceExperiment : IDisposable
{
    /// <summary>The experiment, as <c>losslab</c> arguments without <c>--out</c>.</summary>
    public static readonly string[] Plan =
    [
        "compare", "--losses", "improved,ce", "--seeds", "2", "--epochs", "1", "--train-limit", "1000", "--test-limit", "500",
        "--batch-size", "32", "--threads", "1", "--jobs", "1", "--no-tensorboard",
    ];

    private readonly TempFolder folder = new("slurm-reference");
    private readonly Process? process;
    private readonly Task<string>? error;
    private readonly Task<string>? output;

    public ReferenceExperiment()
    {
        if (SlurmFactAttribute.CannotRun() is not null)
        {
            return;
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args = [RepositoryFiles.CliAssembly, .. Plan, "--out", Directory];
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        process = Process.Start(info) ?? throw new InvalidOperationException("could not start losslab");
        error = process.StandardError.ReadToEndAsync();
        output = process.StandardOutput.ReadToEndAsync();
    }

    /// <summary>The experiment directory.</summary>
    public string Directory => folder.File("experiment");

    /// <summary>Waits for the run to finish (it must succeed) and returns the experiment directory.</summary>
    public string Wait()
    {
        Assert.NotNull(process);
        Assert.True(process.WaitForExit(LocalSlurm.Patience), "the single-process run did not finish");
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"the single-process run exited with {process.ExitCode}:\n{output!.Result}\n{error!.Result}");
        return Directory;
    }

    public void Dispose()
    {
        if (process is not null)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
            process.Dispose();
        }

        folder.Dispose();
    }
}
