using LossLab.Cli.Tests.Commands;
using LossLab.Tests;
using TorchSharp;

namespace LossLab.Cli.Tests.Reliability;

/// <summary>
/// <c>--force</c> replaces a finished run only once the new run has passed every check (options, data, device,
/// model) and writes its first file: a forced run that fails before that leaves the old run as it was.
/// </summary>
public sealed class ForceOverwriteTests
{
    private static readonly string[] Tiny =
        ["train", "--epochs", "1", "--train-limit", "200", "--test-limit", "100", "--no-embedding-metrics", "--threads", "1"];

    [Theory]
    [InlineData("empty-image")]
    [InlineData("--device cuda")]
    [InlineData("--lr 1e300")]
    public void Should_LeaveTheFinishedRunByteIdentical_When_AForcedRunFailsItsChecks(string failure)
    {
        // Given a folder holding a finished run, and a value that fails a check: an image folder whose only dog
        // test image is an empty file, a device this CPU build does not have, a learning rate float32 cannot step with
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        Assert.False(failure == "--device cuda" && torch.cuda.is_available(), "the cuda case needs a machine without CUDA");
        using var folder = new TempFolder("force-keep");
        var dir = Path.Combine(folder.Path, "run");
        var finished = CliRunner.Run([.. Tiny, "--out", dir]);
        Assert.True(finished.Code == 0, finished.Err);
        var before = Snapshot(dir);
        Assert.Contains("last.ckpt", before.Keys);
        var images = Path.Combine(folder.Path, "images");
        var png = DataFixtures.EncodeRgb(DataFixtures.RandomBytes(3 * 8 * 8, 1), 8, 8);
        DataFixtures.WriteTree(images, [("train/cat/1.png", png), ("train/dog/2.png", png), ("test/cat/3.png", png), ("test/dog/empty.jpg", [])]);
        string[] flags = failure == "empty-image" ? ["--dataset", "folder:" + images] : failure.Split(' ');

        // When a forced run with that value is started in the folder
        var (code, _, error) = CliRunner.Run([.. Tiny, "--out", dir, "--force", .. flags]);

        // Then every file of the old run is still there, byte for byte, and the run was refused as bad input
        var after = Snapshot(dir);
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
        }

        Assert.True(code == 2, $"exit {code}: {error}");
    }

    [Fact]
    public void Should_ReplaceTheOldRunCompletely_When_TheForcedRunStarts()
    {
        // Given a folder holding a finished 1-epoch run of seed 1
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var folder = new TempFolder("force-replace");
        var dir = folder.Path;
        Assert.Equal(0, CliRunner.Run([.. Tiny, "--out", dir]).Code);
        var oldConfig = File.ReadAllText(Path.Combine(dir, "config.json"));

        // When a valid run of another seed is forced into it
        var (code, _, error) = CliRunner.Run([.. Tiny, "--out", dir, "--force", "--seed", "2"]);

        // Then the folder holds the new run only: its config, its checkpoints, no leftover of the replacement
        Assert.True(code == 0, error);
        Assert.NotEqual(oldConfig, File.ReadAllText(Path.Combine(dir, "config.json")));
        Assert.Contains("\"seed\": 2", File.ReadAllText(Path.Combine(dir, "config.json")), StringComparison.Ordinal);
        Assert.Equal(1, CheckpointProbe.Load(dir).EpochsDone);
        Assert.Equal(
            [".lock", "best.ckpt", "config.json", "last.ckpt", "metrics.csv", "metrics.jsonl", "summary.json"],
            Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    /// <summary>Every file of the folder (the lock aside) by name, with its bytes.</summary>
    private static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir)
            .Where(f => Path.GetFileName(f) != ".lock")
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
}
