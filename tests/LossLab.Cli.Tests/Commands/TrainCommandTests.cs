using System.Text.Json;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Commands;

public sealed class TrainCommandTests
{
    private static readonly string[] SmallRun =
    [
        "train", "--dataset", "fashion-mnist", "--model", "small-cnn",
        "--epochs", "1", "--train-limit", "1500", "--test-limit", "600", "--threads", "2", "--seed", "7",
    ];

    [Fact]
    public void Should_WriteRunFilesWithMetricsInRange_When_TrainingOnFashionMnist()
    {
        // Given the real Fashion-MNIST installed by scripts/setup.sh
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh (apt-get install dataset-fashion-mnist)");
        using var dirFolder = new TempFolder("train");
        var dir = dirFolder.Path;

        // When a short run trains
        var (code, output, error) = CliRunner.Run([.. SmallRun, "--loss", "improved", "--beta", "4", "--gamma", "10", "--out", dir]);

        // Then it succeeds, prints the metrics and writes every run file
        Assert.True(code == 0, error);
        Assert.Contains("macro-F1", output, StringComparison.Ordinal);
        foreach (var file in new[] { "config.json", "metrics.csv", "metrics.jsonl", "summary.json", "last.ckpt", "best.ckpt" })
        {
            Assert.True(File.Exists(Path.Combine(dir, file)), $"{file} missing");
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        Assert.Equal(1, summary.RootElement.GetProperty("epochs").GetInt32());
        var final = summary.RootElement.GetProperty("final");
        foreach (var key in new[] { "accuracy", "f1_macro", "nmi", "kmeans_nmi", "pair_f1", "recall_at_1", "recall_at_8" })
        {
            var value = final.GetProperty(key).GetDouble();
            Assert.InRange(value, 0.0, 1.0);
        }

        // Twelve steps are enough to beat chance (0.1) by far.
        Assert.True(final.GetProperty("accuracy").GetDouble() > 0.3, final.ToString());
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        var loss = config.RootElement.GetProperty("options").GetProperty("loss_options");
        Assert.Equal(("improved", 4.0, 10.0), (loss.GetProperty("loss").GetString(), loss.GetProperty("beta").GetDouble(), loss.GetProperty("gamma").GetDouble()));
        var csv = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal(2, csv.Length);
        Assert.StartsWith("epoch,train_loss,accuracy,f1_macro,nmi", csv[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ProduceIdenticalMetrics_When_RunTwiceWithTheSameSeed()
    {
        // Given two run directories
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var firstFolder = new TempFolder("det-a");
        var first = firstFolder.Path;
        using var secondFolder = new TempFolder("det-b");
        var second = secondFolder.Path;

        // When the same command runs twice
        var a = CliRunner.Run([.. SmallRun, "--loss", "triplet", "--out", first]);
        var b = CliRunner.Run([.. SmallRun, "--loss", "triplet", "--out", second]);

        // Then the metrics agree exactly
        Assert.True(a.Code == 0, a.Err);
        Assert.True(b.Code == 0, b.Err);
        Assert.Equal(FinalMetrics(first), FinalMetrics(second));
    }

    [Theory]
    [InlineData("--loss", "hinge", "valid:")]
    [InlineData("--model", "vgg", "valid:")]
    [InlineData("--dataset", "mnist", "valid:")]
    [InlineData("--beta", "0", "--beta")]
    [InlineData("--gamma", "-1", "--gamma")]
    [InlineData("--epochs", "0", "--epochs")]
    [InlineData("--optimizer", "rmsprop", "valid: adam, sgd")]
    public void Should_ExitWithCode2AndNameTheOption_When_AValueIsInvalid(string option, string value, string expected)
    {
        // Given an otherwise valid command with one bad value
        using var dirFolder = new TempFolder("bad");
        var dir = dirFolder.Path;

        // When it runs
        var (code, _, error) = CliRunner.Run("train", option, value, "--out", dir, "--epochs", option == "--epochs" ? value : "1");

        // Then it is refused with exit code 2 and a message naming the problem, before any run file is written
        Assert.Equal(2, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "config.json")));
    }

    [Fact]
    public void Should_RefuseToOverwriteAFinishedRun_When_ForceIsNotGiven()
    {
        // Given a run directory that holds a finished run
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var dirFolder = new TempFolder("force");
        var dir = dirFolder.Path;
        string[] tiny = ["train", "--epochs", "1", "--train-limit", "200", "--test-limit", "100", "--no-embedding-metrics", "--out", dir];
        Assert.Equal(0, CliRunner.Run(tiny).Code);

        // When the same directory is used again, without and with --force
        var refused = CliRunner.Run(tiny);
        var forced = CliRunner.Run([.. tiny, "--force"]);

        // Then the first is refused with exit code 2 and the second runs
        Assert.Equal(2, refused.Code);
        Assert.Contains("--force", refused.Err, StringComparison.Ordinal);
        Assert.Equal(0, forced.Code);
    }

    private static string FinalMetrics(string dir)
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        var final = summary.RootElement.GetProperty("final");
        return string.Join(";", new[] { "train_loss", "accuracy", "f1_macro", "nmi", "kmeans_nmi", "pair_f1", "recall_at_1" }.Select(k => final.GetProperty(k).GetRawText()));
    }
}
