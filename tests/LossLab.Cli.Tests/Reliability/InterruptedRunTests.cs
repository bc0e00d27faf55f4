using System.Text.Json.Nodes;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Reliability;

/// <summary>
/// A training process killed (SIGKILL) or stopped (SIGTERM) mid-epoch and then resumed ends with exactly the
/// metrics of a run that was never interrupted. The margin loss is used because it is the hardest case: it
/// samples triplets, trains per-class boundaries β with their own learning rate, and draws P×K batches.
/// </summary>
public sealed class InterruptedRunTests : IClassFixture<InterruptedRunTests.UninterruptedRun>
{
    /// <summary>Small enough for a test, long enough (3 epochs of 16 batches) to stop inside epoch 2 even on a loaded machine.</summary>
    internal static readonly string[] Command =
    [
        "train", "--dataset", "fashion-mnist", "--model", "small-cnn", "--loss", "margin", "--train-limit", "256",
        "--test-limit", "100", "--epochs", "3", "--batch-size", "16", "--threads", "1", "--seed", "5",
    ];

    private readonly UninterruptedRun reference;

    public InterruptedRunTests(UninterruptedRun reference) => this.reference = reference;

    [Fact]
    public void Should_EndWithTheMetricsOfAnUninterruptedRun_When_KilledMidEpochAndResumed()
    {
        // Given a run killed with SIGKILL in epoch 2, after the checkpoint of epoch 1
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var dirFolder = new TempFolder("sigkill");
        var dir = dirFolder.Path;
        using (var run = new ChildRun([.. Command, "--out", dir]))
        {
            run.WaitForLine(IsEpoch2Progress, "epoch 2 batch");
            run.Kill();
            run.WaitForExit();
        }

        Assert.True(File.Exists(Path.Combine(dir, "last.ckpt")), "no checkpoint after epoch 1");
        var killed = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!;
        Assert.False(killed["completed"]!.GetValue<bool>());
        var epochsDone = killed["epochs"]!.GetValue<int>();

        // When it is resumed
        using var resumed = new ChildRun("train", "--resume", dir);
        var code = resumed.WaitForExit();

        // Then it continues after the last finished epoch and ends with the uninterrupted run's metrics, epoch by epoch
        Assert.True(code == 0, resumed.Error);
        Assert.Contains($"after epoch {epochsDone}\n", resumed.Error, StringComparison.Ordinal);
        Assert.Equal(reference.Summary(), RunFiles.SummaryWithoutTimings(dir));
        Assert.Equal(reference.Metrics(), RunFiles.MetricsWithoutTimings(dir));
    }

    [Fact]
    public void Should_SaveMidEpochExitWith130AndResumeToTheSameMetrics_When_Terminated()
    {
        // Given a run sent SIGTERM in epoch 2
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var dirFolder = new TempFolder("sigterm");
        var dir = dirFolder.Path;
        int stopped;
        string stopMessage;
        using (var run = new ChildRun([.. Command, "--out", dir]))
        {
            run.WaitForLine(IsEpoch2Progress, "epoch 2 batch");
            run.Terminate();
            stopped = run.WaitForExit();
            stopMessage = run.Error;
        }

        // When it is resumed with the command it printed
        using var resumed = new ChildRun("train", "--resume", dir);
        var code = resumed.WaitForExit();

        // Then it stopped with 130 and said how to resume; the resume starts inside an epoch (a mid-epoch
        // checkpoint) and ends with the uninterrupted run's metrics
        Assert.True(stopped == 130, stopMessage);
        Assert.Contains($"Resume with: losslab train --resume {dir}", stopMessage, StringComparison.Ordinal);
        Assert.True(code == 0, resumed.Error);
        Assert.Matches(@"after epoch [12], batch [1-9]", resumed.Error);
        Assert.Equal(reference.Summary(), RunFiles.SummaryWithoutTimings(dir));
        Assert.Equal(reference.Metrics(), RunFiles.MetricsWithoutTimings(dir));
    }

    [Fact]
    public void Should_ResumeFromTheBestCheckpointToTheSameMetricsKeepingTheCommandLine_When_LastCheckpointIsMissing()
    {
        // Given a run killed in epoch 2 whose last.ckpt was then deleted (best.ckpt of epoch 1 remains)
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var dirFolder = new TempFolder("no-last");
        var dir = dirFolder.Path;
        using (var run = new ChildRun([.. Command, "--out", dir]))
        {
            run.WaitForLine(IsEpoch2Progress, "epoch 2 batch");
            run.Kill();
            run.WaitForExit();
        }

        var commandLine = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!["command_line"]!.GetValue<string>();
        Assert.True(File.Exists(Path.Combine(dir, "best.ckpt")), "no best checkpoint after epoch 1");
        File.Delete(Path.Combine(dir, "last.ckpt"));

        // When it is resumed
        using var resumed = new ChildRun("train", "--resume", dir);
        var code = resumed.WaitForExit();

        // Then it says it resumes from best.ckpt, ends with the uninterrupted run's metrics, and keeps the command line
        Assert.True(code == 0, resumed.Error);
        Assert.Contains("last.ckpt is missing; resuming from best.ckpt", resumed.Error, StringComparison.Ordinal);
        Assert.Equal(reference.Summary(), RunFiles.SummaryWithoutTimings(dir));
        Assert.Equal(reference.Metrics(), RunFiles.MetricsWithoutTimings(dir));
        Assert.Equal(commandLine, JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!["command_line"]!.GetValue<string>());
    }

    private static bool IsEpoch2Progress(string line) => line.TrimStart().StartsWith("epoch 2 batch", StringComparison.Ordinal);

    /// <summary>The same command run without interruption, started once for both tests and run alongside the first.</summary>
    public sealed class UninterruptedRun : IDisposable
    {
        private readonly ChildRun run;
        private readonly TempFolder folder = new("uninterrupted");
        private readonly Lazy<(string Summary, string[] Metrics)> result;

        public UninterruptedRun()
        {
            var dir = folder.Path;
            run = new ChildRun([.. Command, "--out", dir]);
            result = new Lazy<(string, string[])>(() =>
            {
                var code = run.WaitForExit();
                Assert.True(code == 0, run.Error);
                return (RunFiles.SummaryWithoutTimings(dir), RunFiles.MetricsWithoutTimings(dir));
            });
        }

        public string Summary() => result.Value.Summary;

        public string[] Metrics() => result.Value.Metrics;

        public void Dispose()
        {
            run.Dispose();
            folder.Dispose();
        }
    }
}
