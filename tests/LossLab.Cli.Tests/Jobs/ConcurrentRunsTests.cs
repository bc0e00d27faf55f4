using LossLab.Cli.Tests.Commands;
using LossLab.Cli.Tests.Reliability;
using LossLab.Experiments;
using LossLab.Tests;
using Xunit.Abstractions;

namespace LossLab.Cli.Tests.Jobs;

/// <summary>
/// <c>--jobs 2</c>: two runs of a comparison train at once, each in a <c>losslab</c> child process on the thread count
/// of its config. The runs end with the metrics they would have one at a time on the same threads, also when the
/// parent is interrupted and the command run again; a run that diverges is marked failed, a child that cannot train
/// says why, and no child trains on when its parent is killed.
/// </summary>
public sealed class ConcurrentRunsTests : IClassFixture<ConcurrentRunsTests.TwoAtOnce>
{
    /// <summary>2 losses × 2 seeds, 2 epochs of 15 batches, one thread per run: margin samples triplets and draws P×K batches.</summary>
    internal static readonly string[] Compare =
    [
        "compare", "--losses", "ce,margin", "--seeds", "2", "--epochs", "2", "--train-limit", "480", "--test-limit", "200",
        "--batch-size", "32", "--threads", "1", "--no-tensorboard", "--no-report",
    ];

    private const int SigInt = 2;
    private readonly TwoAtOnce reference;
    private readonly ITestOutputHelper output;

    public ConcurrentRunsTests(TwoAtOnce reference, ITestOutputHelper output)
    {
        this.reference = reference;
        this.output = output;
    }

    [Fact]
    public void Should_EndEveryRunWithTheSameMetrics_When_TrainedTwoAtOnceAgainOrOneAtATime()
    {
        // Given the comparison trained two at once
        var first = reference.Directory;

        // When it is trained two at once again, and one at a time in one process, on the same thread per run
        using var againFolder = new TempFolder("jobs-again");
        using var oneFolder = new TempFolder("jobs-one");
        var again = CliRunner.Run([.. Compare, "--jobs", "2", "--out", againFolder.Path]);
        var one = CliRunner.Run([.. Compare, "--jobs", "1", "--out", oneFolder.Path]);

        // Then every run's summary and metrics of every epoch (all but the timings) are equal in the three, and
        // each run recorded 1 thread
        Assert.True(again.Code == 0, again.Err);
        Assert.True(one.Code == 0, one.Err);
        Assert.Contains("4 runs, 2 at once on 1 thread each", again.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("at once", one.Err, StringComparison.Ordinal);
        foreach (var id in RunIds(first))
        {
            var expected = Results(first, id);
            AssertSame(expected, Results(againFolder.Path, id));
            AssertSame(expected, Results(oneFolder.Path, id));
            Assert.Contains("\"threads_used\": 1,", File.ReadAllText(Path.Combine(ExperimentRunner.RunPathIn(againFolder.Path, id), "config.json")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_ResumeToTheMetricsOfAnUninterruptedRun_When_TheParentIsInterrupted()
    {
        // Given the comparison training two at once in a child process, interrupted (SIGINT, as Ctrl-C) once a run
        // has finished its first epoch
        using var folder = new TempFolder("jobs-sigint");
        var dir = folder.Path;
        int stopped;
        string stopMessage;
        using (var run = new ChildRun([.. Compare, "--jobs", "2", "--out", dir]))
        {
            run.WaitForLine(l => l.Contains(": epoch 1/2", StringComparison.Ordinal), "a run's epoch 1");

            // A background job of a non-interactive shell ignores SIGINT (the shell's doing); SIGTERM takes the same path.
            var signal = ProcessTree.Ignores(run.Id, SigInt) ? "SIGTERM" : "SIGINT";
            output.WriteLine($"sending {signal}");
            if (signal == "SIGINT")
            {
                run.Interrupt();
            }
            else
            {
                run.Terminate();
            }

            stopped = run.WaitForExit();
            stopMessage = run.Error;
        }

        var states = RunIds(reference.Directory).Select(id => ExperimentRunner.StatusAt(ExperimentRunner.RunPathIn(dir, id)).State).ToArray();

        // When the same command runs again
        var (code, _, error) = CliRunner.Run([.. Compare, "--jobs", "2", "--out", dir]);

        // Then the interruption saved checkpoints and exited with 130, and the rerun resumed them and ended every run
        // with the metrics of the uninterrupted runs
        output.WriteLine(stopMessage);
        Assert.True(stopped == 130, stopMessage);
        Assert.Contains("interrupted after", stopMessage, StringComparison.Ordinal);
        Assert.Contains(RunState.Unfinished, states);
        Assert.True(code == 0, error);
        Assert.Contains("resuming on 1 thread", error, StringComparison.Ordinal);
        foreach (var id in RunIds(reference.Directory))
        {
            AssertSame(Results(reference.Directory, id), Results(dir, id));
        }
    }

    [Fact]
    public void Should_MarkTheRunFailedAndTrainTheOther_When_ARunDivergesInItsProcess()
    {
        // Given a comparison whose improved run diverges at once (beta·z overflows float32; beta is improved's alone)
        using var folder = new TempFolder("jobs-diverge");
        string[] command =
        [
            "compare", "--losses", "improved,ce", "--seeds", "1", "--beta", "3e38", "--epochs", "1", "--train-limit", "200",
            "--test-limit", "100", "--batch-size", "32", "--threads", "1", "--no-tensorboard", "--no-report", "--jobs", "2",
            "--out", folder.Path,
        ];

        // When it trains two at once
        var (code, text, error) = CliRunner.Run(command);

        // Then it exits with 4 after training ce; improved is reported and marked failed with the reason
        Assert.True(code == 4, error);
        Assert.Matches(@"loss=improved_seed=1: failed: training diverged at epoch 1, batch \d+", error);
        Assert.Contains("1 trained, 0 resumed, 0 skipped, 1 failed", text, StringComparison.Ordinal);
        Assert.Equal(RunState.Failed, ExperimentRunner.StatusAt(ExperimentRunner.RunPathIn(folder.Path, "loss=improved_seed=1")).State);
        Assert.Equal(RunState.Completed, ExperimentRunner.StatusAt(ExperimentRunner.RunPathIn(folder.Path, "loss=ce_seed=1")).State);
    }

    [Fact]
    public void Should_ExitWith2NamingTheRunAndTheProblem_When_ARunsProcessGetsBadInput()
    {
        // Given the finished comparison copied, with one run made unfinished and its checkpoint damaged (only the run's
        // own process reads it)
        using var folder = new TempFolder("jobs-bad");
        foreach (var file in Directory.EnumerateFiles(reference.Directory, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(folder.Path, Path.GetRelativePath(reference.Directory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        var damaged = ExperimentRunner.RunPathIn(folder.Path, "loss=margin_seed=2");
        var summary = Path.Combine(damaged, "summary.json");
        File.WriteAllText(summary, File.ReadAllText(summary).Replace("\"completed\": true", "\"completed\": false", StringComparison.Ordinal));
        File.WriteAllBytes(Path.Combine(damaged, "last.ckpt"), [1, 2, 3]);

        // When the comparison runs again two at once
        var (code, _, error) = CliRunner.Run([.. Compare, "--jobs", "2", "--out", folder.Path]);

        // Then the child's own message comes out under the run's name, with the exit code of bad input
        Assert.True(code == 2, error);
        Assert.Contains("loss=margin_seed=2: resuming on 1 thread", error, StringComparison.Ordinal);
        Assert.Matches(@"losslab: run loss=margin_seed=2: .*last\.ckpt", error);
        Assert.DoesNotContain("unexpected error", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_StopTheOtherRunAndNameTheLostOne_When_ARunsProcessIsKilled()
    {
        // Given the comparison training two at once
        using var folder = new TempFolder("jobs-crash");
        using var run = new ChildRun([.. Compare, "--jobs", "2", "--out", folder.Path]);
        var children = TwoChildren(run);

        // When one child is killed (SIGKILL, as the kernel's out-of-memory killer does)
        Assert.Equal(0, Kill(children[0], 9));
        var code = run.WaitForExit();
        var left = ProcessTree.WaitUntilEnded(children, ChildRun.Patience);

        // Then the parent stops the other run and exits with 1, naming the lost run and the signal
        Assert.True(code == 1, run.Error);
        Assert.Matches(@"losslab: run loss=\S+: its process ended with exit code 137 \(signal 9", run.Error);
        Assert.Empty(left);
    }

    [Fact]
    public void Should_LeaveNoRunTraining_When_TheParentIsKilled()
    {
        // Given the comparison training two at once
        using var folder = new TempFolder("jobs-orphans");
        int[] children;
        using (var run = new ChildRun([.. Compare, "--jobs", "2", "--out", folder.Path]))
        {
            children = TwoChildren(run);

            // When the parent is killed (SIGKILL: no handler runs)
            run.Kill();
            run.WaitForExit();
        }

        // Then each child sees its standard input close, stops after its batch with a checkpoint, and ends
        var left = ProcessTree.WaitUntilEnded(children, TimeSpan.FromMinutes(1));
        foreach (var pid in left)
        {
            Kill(pid, 9);
        }

        Assert.Empty(left);
    }

    private static int[] TwoChildren(ChildRun run)
    {
        run.WaitForLine(l => l.StartsWith("[2/4] ", StringComparison.Ordinal) && l.Contains(": training", StringComparison.Ordinal), "the second run's start");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int[] children;
        while ((children = ProcessTree.Children(run.Id)).Length < 2 && watch.Elapsed < ChildRun.Patience)
        {
            Thread.Sleep(50);
        }

        Assert.Equal(2, children.Length);
        return children;
    }

    private static string[] RunIds(string experiment) =>
        Directory.GetDirectories(Path.Combine(experiment, "runs")).Select(d => Path.GetFileName(d)!).Order().ToArray();

    private static (string Summary, string[] Metrics) Results(string experiment, string id)
    {
        var run = ExperimentRunner.RunPathIn(experiment, id);
        return (RunFiles.SummaryWithoutTimings(run), RunFiles.MetricsWithoutTimings(run));
    }

    private static void AssertSame((string Summary, string[] Metrics) expected, (string Summary, string[] Metrics) actual)
    {
        Assert.Equal(expected.Summary, actual.Summary);
        Assert.Equal(expected.Metrics, actual.Metrics);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>The comparison trained two at once, uninterrupted: what the other invocations must reproduce.</summary>
    public sealed class TwoAtOnce : IDisposable
    {
        private readonly TempFolder folder = new("jobs-reference");

        public TwoAtOnce()
        {
            Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
            var (code, _, error) = CliRunner.Run([.. Compare, "--jobs", "2", "--out", folder.Path]);
            Assert.True(code == 0, error);
        }

        public string Directory => folder.Path;

        public void Dispose() => folder.Dispose();
    }
}
