using System.Text.RegularExpressions;
using LossLab.Cli.Tests.Commands;
using LossLab.Runs;
using LossLab.Tests;
using LossLab.Training;
using TorchSharp;

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
    [InlineData("--embedding-dim 100000000", "--embedding-dim|65536")]
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

    [Theory]
    [InlineData("--lr 1e300", "--lr", "3.4E+37")]
    [InlineData("--lr 3.5e38", "--lr", "3.4E+37")]
    [InlineData("--lr 1e300 --optimizer sgd", "--lr", "3.4E+38")]
    [InlineData("--lr 1e36 --loss proxynca", "--proxy-lr-mult", "3.4E+37")]
    [InlineData("--margin-beta-lr 1e38 --loss margin", "--margin-beta-lr", "3.4E+37")]
    [InlineData("--weight-decay 1e300", "--weight-decay", "3.4E+38")]
    public void Should_ExitWith2BeforeLoadingData_When_TheFirstOptimizerStepCannotBeFinite(string flags, string expected, string bound)
    {
        // Given a learning rate (or weight decay) beyond what a float32 optimizer step can hold
        using var dirFolder = new TempFolder("huge-lr");
        var dir = Path.Combine(dirFolder.Path, "run");
        string[] args = ["train", "--train-limit", "100", "--test-limit", "50", "--epochs", "1", "--threads", "1", "--out", dir, .. flags.Split(' ')];

        // When it runs
        var (code, _, error) = CliRunner.Run(args);

        // Then it is refused up front with exit code 2, naming the option and the bound, without a stack trace
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains(bound, error, StringComparison.Ordinal);
        Assert.DoesNotContain("data:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any(f => Path.GetFileName(f) != ".lock"), "the run folder is not reusable");
    }

    [Fact]
    public void Should_ExitWith2BeforeLoadingData_When_EveryClassWeightIsZero()
    {
        // Given --alpha with a zero weight for each of the 10 classes (the loss would be 0 on every batch)
        using var dirFolder = new TempFolder("alpha-zero");
        var dir = Path.Combine(dirFolder.Path, "run");

        // When it runs
        var (code, _, error) = CliRunner.Run("train", "--alpha", "0,0,0,0,0,0,0,0,0,0", "--train-limit", "100", "--test-limit", "50", "--epochs", "1", "--threads", "1", "--out", dir);

        // Then it is refused with exit code 2 naming --alpha, before any data is loaded
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("--alpha", error, StringComparison.Ordinal);
        Assert.Contains("> 0", error, StringComparison.Ordinal);
        Assert.DoesNotContain("data:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ExitWith2NamingTheBound_When_ThreadsExceedWhatTheMachineCanUse()
    {
        // Given far more threads than the machine has cores (the dataset is missing too, so nothing could train)
        using var dirFolder = new TempFolder("threads");
        var bound = Math.Min(4 * Environment.ProcessorCount, 1024);

        // When it runs
        var (code, _, error) = CliRunner.Run("train", "--threads", "100000", "--dataset", "folder:" + dirFolder.File("missing"), "--out", dirFolder.File("run"));

        // Then --threads is refused with exit code 2, naming the bound
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("--threads", error, StringComparison.Ordinal);
        Assert.Contains($"at most {bound}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ExitWith2WithoutAStackTrace_When_CudaIsAskedForOnACpuOnlyMachine()
    {
        // Given a machine where libtorch sees no CUDA device
        Assert.False(torch.cuda.is_available(), "this test needs a machine without CUDA");
        using var dirFolder = new TempFolder("cuda");
        var dir = Path.Combine(dirFolder.Path, "run");

        // When a run asks for CUDA
        var (code, _, error) = CliRunner.Run("train", "--device", "cuda", "--train-limit", "100", "--test-limit", "50", "--epochs", "1", "--out", dir);

        // Then it is bad input: exit code 2, one line naming --device, no stack trace, no run file
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.StartsWith("losslab: --device cuda", error, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected error", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "config.json")));
    }

    [Fact]
    public void Should_ExitWith2BeforeTraining_When_TheTestLimitIsBelowTheClassCount()
    {
        // Given Fashion-MNIST (10 classes) and a test split limited to 9 images
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var dirFolder = new TempFolder("test-limit");
        var dir = Path.Combine(dirFolder.Path, "run");

        // When it runs
        var (code, _, error) = CliRunner.Run("train", "--epochs", "1", "--train-limit", "500", "--test-limit", "9", "--threads", "1", "--out", dir);

        // Then it is refused before training, in the user's terms, and the folder holds no run
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("--test-limit 9 is below the 10 classes", error, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 1", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "config.json")), "a run file was written");
    }

    [Theory]
    [InlineData("ce")]
    [InlineData("improved")]
    [InlineData("focal")]
    [InlineData("triplet")]
    [InlineData("margin")]
    [InlineData("proxynca")]
    [InlineData("npair")]
    [InlineData("contrastive")]
    public void Should_CapEveryBatchAtTheTrainingSetAndSaySo_When_TheBatchSizeIsHuge(string loss)
    {
        // Given a batch size far beyond the 200 training images
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var threads = new TorchThreads(1);
        using var dirFolder = new TempFolder("huge-batch");

        // When a run of each loss uses it
        var (code, _, error) = CliRunner.Run(
            "train", "--loss", loss, "--batch-size", "2147483647", "--epochs", "1", "--train-limit", "200", "--test-limit", "100",
            "--threads", "1", "--no-embedding-metrics", "--out", dirFolder.Path);

        // Then every loss trains on batches of at most the training set, and says so
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains("batch size 2147483647 is more than the 200 training images", error, StringComparison.Ordinal);
        Assert.Equal(1, CheckpointProbe.Load(dirFolder.Path).EpochsDone);
    }

    [Theory]
    [InlineData("train --epochs x", "--epochs", "'x'", "a whole number")]
    [InlineData("train --threads 1.5", "--threads", "'1.5'", "a whole number")]
    [InlineData("train --lr fast", "--lr", "'fast'", "a number")]
    [InlineData("metrics --restarts abc", "--restarts", "'abc'", "a whole number")]
    [InlineData("train --seed 99999999999", "--seed", "'99999999999'", "a whole number")]
    public void Should_NameTheOptionAndWhatItTakesWithoutDotNetTypeNames_When_AValueDoesNotParse(string command, string option, string value, string kind)
    {
        // Given a value that is not of the option's kind
        // When it runs
        var (code, _, error) = CliRunner.Run(command.Split(' '));

        // Then it is refused with exit code 2, in the user's terms
        Assert.True(code == 2, $"exit {code}: {error}");
        var line = error.Split('\n')[0];
        Assert.Contains(option, line, StringComparison.Ordinal);
        Assert.Contains(value, line, StringComparison.Ordinal);
        Assert.Contains(kind, line, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("`", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train --batch-size 1", "--batch-size", "1", "≥ 2")]
    [InlineData("train --embedding-dim 1", "--embedding-dim", "1", "≥ 2")]
    [InlineData("train --samples-per-class 1", "--samples-per-class", "1", "≥ 2")]
    [InlineData("train --epochs 0", "--epochs", "0", "≥ 1")]
    [InlineData("bench --steps -1", "--steps", "-1", "≥ 0")]
    [InlineData("bench --repeats 0", "--repeats", "0", "≥ 1")]
    public void Should_ShowTheValueOnce_When_ANumberIsOutOfRange(string command, string option, string value, string bound)
    {
        // Given a number below its option's minimum (a run folder that will never be made)
        var never = Path.Combine(Path.GetTempPath(), "losslab-tests", "never-" + Guid.NewGuid().ToString("N"));
        string[] args = command.StartsWith("train", StringComparison.Ordinal) ? [.. command.Split(' '), "--out", never] : command.Split(' ');

        // When it runs
        var (code, _, error) = CliRunner.Run(args);

        // Then the one-line message shows the value exactly once, and names the option and the bound
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.True(Regex.Matches(error, $@"(?<![\w.-]){Regex.Escape(value)}(?![\w.])").Count == 1, error);
        Assert.StartsWith($"losslab: {option}", error, StringComparison.Ordinal);
        Assert.Contains(bound, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ExitWith2NamingTheBound_When_KMeansRestartsAreTooMany()
    {
        // Given a small embeddings file
        using var folder = new TempFolder("restarts");
        var csv = folder.File("embeddings.csv");
        File.WriteAllLines(csv, Enumerable.Range(0, 20).Select(i => $"{i % 2},{i},{i % 3}"));

        // When k-means is asked for a hundred thousand restarts
        var (code, _, error) = CliRunner.Run("metrics", "--embeddings", csv, "--restarts", "100000");

        // Then it is refused with exit code 2, naming the bound
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("--restarts", error, StringComparison.Ordinal);
        Assert.Contains("at most 1000", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_RefuseAndLeaveTheFolderAlone_When_OutIsANonEmptyFolderWithoutARun(bool force)
    {
        // Given a folder of the user's that holds a summary.json of their own
        using var folder = new TempFolder("not-a-run");
        var summary = folder.File("summary.json");
        File.WriteAllText(summary, "{\"my\": \"notes\"}\n");

        // When a run is started in it, with or without --force
        string[] args = ["train", "--epochs", "1", "--train-limit", "100", "--test-limit", "50", "--threads", "1", "--no-embedding-metrics", "--out", folder.Path];
        var (code, _, error) = CliRunner.Run(force ? [.. args, "--force"] : args);

        // Then it is refused with exit code 2 before any data is loaded, and the user's file is unchanged
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("--out", error, StringComparison.Ordinal);
        Assert.Contains("not a LossLab run", error, StringComparison.Ordinal);
        Assert.DoesNotContain("data:", error, StringComparison.Ordinal);
        Assert.Equal("{\"my\": \"notes\"}\n", File.ReadAllText(summary));
        Assert.False(File.Exists(folder.File("config.json")));
    }

    [Fact]
    public void Should_NotSuggestResumeOrForce_When_TheRunFolderIsInUse()
    {
        // Given an unfinished run whose folder is locked, as by the process training it
        using var folder = new TempFolder("in-use");
        var run = new RunDirectory(folder.Path);
        run.WriteConfig(new RunConfig { Options = new TrainOptions { Epochs = 1 } });
        using var held = run.TryLock();
        Assert.NotNull(held);

        // When another run is started in it
        var (code, _, error) = CliRunner.Run("train", "--epochs", "1", "--out", folder.Path);

        // Then it is refused as in use, without suggesting --resume or --force (which would be refused too)
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("in use by another losslab process", error, StringComparison.Ordinal);
        Assert.DoesNotContain("--resume", error, StringComparison.Ordinal);
        Assert.DoesNotContain("--force", error, StringComparison.Ordinal);
    }
}
