using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LossLab.Cli.Tests.Commands;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Reliability;

/// <summary>A NaN or Inf loss stops the run with exit code 4 and never reaches a checkpoint; <c>--on-nan skip-batch</c> skips such batches.</summary>
public sealed partial class DivergenceTests
{
    private static readonly string[] Tiny =
    [
        "train", "--dataset", "fashion-mnist", "--model", "small-cnn", "--test-limit", "100", "--epochs", "1",
        "--threads", "1", "--no-embedding-metrics",
    ];

    /// <summary>
    /// Class 9 weighted 3e38 with gamma 0: its loss −log p ≥ 1.2 times the weight overflows float32, so every
    /// batch holding a class-9 image has an infinite loss and every other batch a normal one.
    /// </summary>
    private static readonly string[] InfiniteForClass9 = ["--loss", "improved", "--gamma", "0", "--alpha", "1,1,1,1,1,1,1,1,1,3e38", "--train-limit", "120", "--batch-size", "4"];

    [Fact]
    public void Should_ExitWith4AndKeepTheLastGoodCheckpoint_When_TheLossBecomesNaNAfterAnEpoch()
    {
        // Given a run with one good epoch, whose config then asks for a second epoch with a softmax scale of 3e38
        // (beta·z overflows float32, so the loss is NaN); the learning rate could not do this, as the
        // checkpoint's optimizer state restores it
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var threads = new TorchThreads(1);
        using var dirFolder = new TempFolder("nan");
        var dir = dirFolder.Path;
        var first = CliRunner.Run([.. Tiny, "--loss", "improved", "--train-limit", "200", "--batch-size", "32", "--out", dir]);
        Assert.True(first.Code == 0, first.Err);
        Edit(Path.Combine(dir, "config.json"), json =>
        {
            json["options"]!["epochs"] = 2;
            json["options"]!["loss_options"]!["beta"] = 3e38;
        });
        Edit(Path.Combine(dir, "summary.json"), json => json["completed"] = false);
        var checkpoint = File.ReadAllBytes(Path.Combine(dir, "last.ckpt"));
        var metrics = File.ReadAllText(Path.Combine(dir, "metrics.csv"));

        // When it is resumed and epoch 2 diverges
        var (code, _, error) = CliRunner.Run("train", "--resume", dir);

        // Then it exits with 4 naming epoch, batch and loss value; last.ckpt and metrics.csv are those of epoch 1,
        // and the checkpoint loads (it holds only finite weights)
        Assert.True(code == 4, error);
        Assert.Matches(@"diverged at epoch 2, batch \d+: loss = (NaN|-?Infinity)", error);
        Assert.Equal(checkpoint, File.ReadAllBytes(Path.Combine(dir, "last.ckpt")));
        Assert.Equal(metrics, File.ReadAllText(Path.Combine(dir, "metrics.csv")));
        Assert.Equal(1, CheckpointProbe.Load(dir).EpochsDone);
    }

    [Fact]
    public void Should_ExitWith4BeforeAnyCheckpoint_When_TheFirstEpochHasAnInfiniteLoss()
    {
        // Given a loss that is infinite for batches holding class 9
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var threads = new TorchThreads(1);
        using var dirFolder = new TempFolder("inf");
        var dir = dirFolder.Path;

        // When it trains with the default --on-nan stop
        var (code, _, error) = CliRunner.Run([.. Tiny, .. InfiniteForClass9, "--out", dir]);

        // Then it stops at the first such batch, naming it, and writes no checkpoint
        Assert.True(code == 4, error);
        Assert.Matches(@"diverged at epoch 1, batch \d+: loss = Infinity", error);
        Assert.False(File.Exists(Path.Combine(dir, "last.ckpt")));
    }

    [Fact]
    public void Should_SkipAndCountTheBadBatches_When_OnNanIsSkipBatch()
    {
        // Given the same loss, infinite for batches holding class 9
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var threads = new TorchThreads(1);
        using var dirFolder = new TempFolder("skip");
        var dir = dirFolder.Path;

        // When it trains with --on-nan skip-batch
        var (code, _, error) = CliRunner.Run([.. Tiny, .. InfiniteForClass9, "--on-nan", "skip-batch", "--out", dir]);

        // Then the run completes; skipped_batches counts exactly the batches reported as skipped (some, not all),
        // the mean loss of the others is finite, and the checkpoint holds finite weights
        Assert.True(code == 0, error);
        var reported = SkipLine().Matches(error).Count;
        var row = JsonNode.Parse(File.ReadLines(Path.Combine(dir, "metrics.jsonl")).Single())!;
        var skipped = row["skipped_batches"]!.GetValue<int>();
        Assert.Equal(reported, skipped);
        Assert.InRange(skipped, 1, 29); // 120 images in batches of 4: 30 batches
        Assert.True(double.IsFinite(row["train_loss"]!.GetValue<double>()), row.ToJsonString());
        Assert.Equal(1, CheckpointProbe.Load(dir).EpochsDone);
    }

    private static void Edit(string path, Action<JsonNode> change)
    {
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        change(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [GeneratedRegex(@"skipping epoch 1 batch \d+: loss = (NaN|Infinity)", RegexOptions.CultureInvariant)]
    private static partial Regex SkipLine();
}
