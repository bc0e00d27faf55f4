using LossLab.Tests;

namespace LossLab.Cli.Tests.Reliability;

/// <summary>A run whose folder stops taking writes leaves the previous checkpoint and metrics intact and names the file.</summary>
public sealed class DiskFailureTests
{
    [Fact]
    public void Should_ExitNonZeroNamingTheFileAndKeepTheLastCheckpoint_When_TheRunFolderBecomesReadOnly()
    {
        // Given a run in epoch 2, whose folder then becomes read-only (at the OS level)
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var dirFolder = new TempFolder("read-only");
        var dir = dirFolder.Path;
        using var run = new ChildRun(
            "train", "--loss", "ce", "--train-limit", "320", "--test-limit", "100", "--epochs", "2", "--batch-size", "16",
            "--threads", "1", "--no-embedding-metrics", "--out", dir);
        // Right after epoch 1's files are written: epoch 2 (20 batches) leaves time to change the folder.
        run.WaitForLine(line => line.StartsWith("epoch 2/2:", StringComparison.Ordinal), "epoch 2 start");
        var checkpoint = File.ReadAllBytes(Path.Combine(dir, "last.ckpt"));
        var metrics = File.ReadAllText(Path.Combine(dir, "metrics.csv"));
        int code;
        using (new ReadOnlyFolder(dir))
        {
            // When epoch 2 ends and its files are written
            code = run.WaitForExit();
        }

        // Then the process fails naming the file and the resume command; last.ckpt (epoch 1) and metrics.csv
        // are unchanged, the checkpoint loads, and no temporary file is left
        Assert.True(code == 1, $"exit {code}: {run.Error}");
        Assert.Matches($@"could not write {System.Text.RegularExpressions.Regex.Escape(dir)}/(best|last)\.ckpt", run.Error);
        Assert.Contains($"--resume {dir}", run.Error, StringComparison.Ordinal);
        Assert.Equal(checkpoint, File.ReadAllBytes(Path.Combine(dir, "last.ckpt")));
        Assert.Equal(metrics, File.ReadAllText(Path.Combine(dir, "metrics.csv")));
        Assert.Equal(1, CheckpointProbe.Load(dir).EpochsDone);
        Assert.Empty(Directory.GetFiles(dir, ".*.tmp"));
    }
}
