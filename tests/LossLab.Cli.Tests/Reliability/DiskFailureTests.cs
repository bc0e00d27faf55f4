using LossLab.Evaluation;
using LossLab.Losses;
using LossLab.Models;
using LossLab.Runs;
using LossLab.Tests;
using LossLab.Training;
using TorchSharp;

namespace LossLab.Cli.Tests.Reliability;

/// <summary>A write that fails (full disk, read-only folder) leaves the previous checkpoint and metrics intact and names the file.</summary>
public sealed class DiskFailureTests
{
    [Fact]
    public void Should_KeepThePreviousCheckpoint_When_TheDiskFillsWhileACheckpointIsWritten()
    {
        // Given a good checkpoint, and its temporary file pointing at /dev/full, where every write fails with
        // "No space left on device" (a full disk, for real, without filling one)
        Assert.True(File.Exists("/dev/full"), "/dev/full is missing");
        using var threads = new TorchThreads(1);
        using var dir = new TempFolder();
        var path = dir.File("last.ckpt");
        var trainer = new Trainer(new TrainOptions { LossOptions = new MarginLossOptions(), EmbeddingDim = 8 }, new SilentObserver());
        torch.manual_seed(1);
        using var loss = LossRegistry.Create(new MarginLossOptions(), new LossContext(10, 8));
        using var model = ModelRegistry.Create("small-cnn", 1, 0, 8);
        using var optimizer = trainer.CreateOptimizer(model, loss);
        Checkpoint.Save(path, model, loss, optimizer, new TrainingState { EpochsDone = 1, History = [new EpochMetrics { Epoch = 1 }] });
        var good = File.ReadAllBytes(path);
        var temp = AtomicFile.TempPath(path, Environment.ProcessId);
        File.CreateSymbolicLink(temp, "/dev/full");

        // When the next checkpoint is written over it
        var error = Record.Exception(() => Checkpoint.Save(path, model, loss, optimizer, new TrainingState { EpochsDone = 2 }));

        // Then the write fails naming the checkpoint and the cause; the old checkpoint is byte-identical and
        // loads, and the temporary file is gone
        Assert.IsAssignableFrom<IOException>(error);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Equal(1, Checkpoint.Load(path, model, loss, optimizer).EpochsDone);
        Assert.False(File.Exists(temp) || new FileInfo(temp).LinkTarget is not null, "temporary file left behind");
    }

    [Fact]
    public void Should_KeepTheOldContent_When_TheWriterFailsHalfWay()
    {
        // Given a file with content
        using var dir = new TempFolder();
        var path = dir.File("metrics.csv");
        AtomicFile.WriteText(path, "epoch,accuracy\n1,0.5\n");

        // When a rewrite fails after writing part of the new content
        var error = Record.Exception(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("epoch,accuracy\n1,0.5\n2,"u8);
            stream.Flush();
            throw new InvalidDataException("serialisation failed");
        }));

        // Then the error is the writer's own, the old content is whole, and no temporary file is left
        Assert.IsType<InvalidDataException>(error);
        Assert.Equal("epoch,accuracy\n1,0.5\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Should_RemoveOnlyTemporaryFilesOfOtherProcesses_When_RemovingStaleFiles()
    {
        // Given the temporary file of a killed process, one of this process, and ordinary files
        using var dir = new TempFolder();
        string[] kept = [dir.File("last.ckpt"), dir.File(".hidden.tmp"), dir.File(".a.b.tmp"), AtomicFile.TempPath(dir.File("x"), Environment.ProcessId)];
        var stale = AtomicFile.TempPath(dir.File("last.ckpt"), 999_999);
        foreach (var file in kept.Append(stale))
        {
            File.WriteAllText(file, "x");
        }

        // When stale files are removed
        AtomicFile.RemoveStale(dir.Path);

        // Then only the killed process's temporary file is gone
        Assert.False(File.Exists(stale));
        Assert.All(kept, file => Assert.True(File.Exists(file), file));
    }

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
