using LossLab.Cli.Tests.Commands;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Reliability;

/// <summary>
/// Every out-of-range number and unknown name is refused with exit code 2 and a message naming the flag (and,
/// for names, the valid values) before any work starts: no data is loaded and no run file is written.
/// </summary>
public sealed class BadInputTests
{
    [Theory]
    // Out-of-range numbers.
    [InlineData("--beta 0", "--beta")]
    [InlineData("--beta -1", "--beta")]
    [InlineData("--gamma -1", "--gamma")]
    [InlineData("--label-smoothing 1 --loss ce", "--label-smoothing")]
    [InlineData("--alpha 1,1,1,-1,1,1,1,1,1,1", "--alpha")]
    [InlineData("--alpha 1,1,1,1,1,1,1,1,1,1e39", "--alpha")]
    [InlineData("--alpha 1,x", "--alpha")]
    [InlineData("--margin -0.1 --loss triplet", "--margin")]
    [InlineData("--margin-beta-lr 0 --loss margin", "--margin-beta-lr")]
    [InlineData("--proxy-lr-mult 0 --loss proxynca", "--proxy-lr-mult")]
    [InlineData("--npair-l2 -1 --loss npair", "--npair-l2")]
    [InlineData("--epochs 0", "--epochs")]
    [InlineData("--batch-size 1", "--batch-size")]
    [InlineData("--batch-size 4 --loss triplet", "--batch-size|--samples-per-class|8")]
    [InlineData("--batch-size 12 --samples-per-class 8 --loss margin", "--batch-size|16")]
    [InlineData("--samples-per-class 1", "--samples-per-class")]
    [InlineData("--lr -1", "--lr")]
    [InlineData("--lr 0", "--lr")]
    [InlineData("--lr NaN", "--lr")]
    [InlineData("--weight-decay -0.1", "--weight-decay")]
    [InlineData("--momentum -0.5 --optimizer sgd", "--momentum")]
    [InlineData("--embedding-dim 1", "--embedding-dim")]
    [InlineData("--train-limit 0", "--train-limit")]
    [InlineData("--test-limit -5", "--test-limit")]
    [InlineData("--imbalance-ratio 0.5", "--imbalance-ratio")]
    [InlineData("--threads 0", "--threads")]
    [InlineData("--seed abc", "--seed")]
    // Unknown names list the valid ones.
    [InlineData("--loss hinge", "--loss|valid:|improved|triplet")]
    [InlineData("--model vgg", "--model|valid:|small-cnn|resnet18")]
    [InlineData("--dataset mnist", "--dataset|valid:|fashion-mnist|folder:")]
    [InlineData("--optimizer rmsprop", "--optimizer|valid: adam, sgd")]
    [InlineData("--device tpu", "--device|valid: auto, cpu, cuda")]
    [InlineData("--augment maybe", "--augment|valid: auto, on, off")]
    [InlineData("--on-nan ignore", "--on-nan|valid: stop, skip-batch")]
    [InlineData("--mining hardest --loss triplet", "--mining|semi-hard|batch-hard")]
    [InlineData("--preset fast", "--preset|valid: default, paper")]
    // A resumed run takes its options from its config.json; others are refused rather than ignored.
    [InlineData("--resume /nonexistent", "--resume|--epochs|--out")]
    public void Should_ExitWith2NamingTheFlagBeforeAnyWork_When_AValueIsOutOfRangeOrUnknown(string flags, string expected)
    {
        // Given an otherwise runnable command with one bad value
        using var dirFolder = new TempFolder("bad-input");
        var dir = Path.Combine(dirFolder.Path, "run");
        string[] args = ["train", "--train-limit", "100", "--test-limit", "50", "--epochs", "1", "--out", dir, .. flags.Split(' ')];

        // When it runs
        var (code, _, error) = CliRunner.Run(args);

        // Then it is refused with exit code 2 and a message naming what is wrong; nothing was loaded or written
        Assert.True(code == 2, $"exit {code}: {error}");
        foreach (var part in expected.Split('|'))
        {
            Assert.Contains(part, error, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("data:", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "config.json")), "a run file was written");
    }

    [Theory]
    [InlineData("--alpha 1,1,1", "--alpha")]
    [InlineData("--train-limit 1", "--train-limit")]
    [InlineData("--train-limit 1 --loss triplet", "--train-limit")]
    public void Should_ExitWith2AndLeaveTheFolderReusable_When_AValueDoesNotFitTheData(string flags, string expected)
    {
        // Given a value that only the loaded data shows to be wrong (Fashion-MNIST has 10 classes)
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var threads = new TorchThreads(1);
        using var dirFolder = new TempFolder("bad-data");
        var dir = dirFolder.Path;
        string[] args = ["train", "--test-limit", "50", "--epochs", "1", "--threads", "1", "--no-embedding-metrics", "--out", dir, .. flags.Split(' ')];

        // When it runs
        var (code, _, error) = CliRunner.Run(args);

        // Then it is refused with exit code 2 naming the flag, before any run file is written
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal([Path.Combine(dir, ".lock")], Directory.GetFiles(dir)); // the (released) lock only
        Assert.False(new LossLab.Runs.RunDirectory(dir).HoldsAnyRun());
    }

    [Fact]
    public void Should_ExitWith2BeforeAnyWork_When_AnotherProcessUsesTheRunFolder()
    {
        // Given a run folder whose lock is held (as a training process holds it)
        using var dirFolder = new TempFolder("locked");
        var dir = dirFolder.Path;
        using var held = new LossLab.Runs.RunDirectory(dir).TryLock();
        Assert.NotNull(held);

        // When a run is started in it
        var (code, _, error) = CliRunner.Run("train", "--train-limit", "100", "--epochs", "1", "--out", dir);

        // Then it is refused with exit code 2 before loading data or writing a file
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("in use by another losslab process", error, StringComparison.Ordinal);
        Assert.DoesNotContain("data:", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "config.json")));
    }

    [Fact]
    public void Should_ExitWith2_When_ResumingAFolderWithoutARun()
    {
        // Given an empty folder and a missing one
        using var emptyFolder = new TempFolder("resume-empty");
        var empty = emptyFolder.Path;
        var missing = Path.Combine(empty, "missing");

        // When each is resumed
        var fromEmpty = CliRunner.Run("train", "--resume", empty);
        var fromMissing = CliRunner.Run("train", "--resume", missing);

        // Then both are refused with exit code 2, naming --resume
        Assert.Equal(2, fromEmpty.Code);
        Assert.Contains("--resume", fromEmpty.Err, StringComparison.Ordinal);
        Assert.Equal(2, fromMissing.Code);
        Assert.Contains("--resume", fromMissing.Err, StringComparison.Ordinal);
    }
}
