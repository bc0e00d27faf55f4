using System.Text.Json;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Commands;

public sealed class EvaluateCommandTests
{
    private static readonly string[] Keys = ["accuracy", "f1_macro", "nmi", "kmeans_nmi", "pair_f1", "recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8"];

    [Fact]
    public void Should_ReproduceTheTrainingMetrics_When_TheSavedModelIsEvaluatedAndEmbedded()
    {
        // Given a finished run with a checkpoint
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var dirFolder = new TempFolder("evaluate");
        var dir = dirFolder.Path;
        var train = CliRunner.Run(
            "train", "--loss", "proxynca", "--epochs", "1", "--train-limit", "400", "--test-limit", "300",
            "--threads", "2", "--seed", "5", "--out", dir);
        Assert.True(train.Code == 0, train.Err);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        var final = summary.RootElement.GetProperty("final");

        // When the saved model is evaluated, and its embeddings exported and scored by `losslab metrics`
        var evaluate = CliRunner.Run("evaluate", "--run", dir, "--checkpoint", "last");
        var csv = Path.Combine(dir, "embeddings.csv");
        var embed = CliRunner.Run("embed", "--run", dir, "--checkpoint", "last", "--out", csv);
        var metrics = CliRunner.Run("metrics", "--embeddings", csv, "--seed", "5");

        // Then every metric equals the one logged after training
        Assert.True(evaluate.Code == 0, evaluate.Err);
        Assert.True(embed.Code == 0, embed.Err);
        Assert.True(metrics.Code == 0, metrics.Err);
        using var evaluated = JsonDocument.Parse(evaluate.Out);
        foreach (var key in Keys)
        {
            Assert.Equal(final.GetProperty(key).GetDouble(), evaluated.RootElement.GetProperty(key).GetDouble());
        }

        Assert.Equal(301, File.ReadLines(csv).Count());
        using var scored = JsonDocument.Parse(metrics.Out);
        foreach (var key in Keys.Skip(3))
        {
            Assert.Equal(final.GetProperty(key).GetDouble(), scored.RootElement.GetProperty(key).GetDouble(), 12);
        }
    }

    [Fact]
    public void Should_PrintSklearnStyleMetrics_When_PredictionsAreGiven()
    {
        // Given predictions of three classes, one wrong
        using var fileFolder = new TempFolder("predictions");
        var file = Path.Combine(fileFolder.Path, "p.csv");
        File.WriteAllText(file, "label,prediction\n0,0\n1,1\n2,2\n2,1\n");

        // When they are scored
        var (code, output, error) = CliRunner.Run("metrics", "--predictions", file);

        // Then accuracy is 3/4 and macro-F1 is the mean of per-class F1 (1, 2/3, 2/3)
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(0.75, json.RootElement.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal((1.0 + (2.0 / 3) + (2.0 / 3)) / 3, json.RootElement.GetProperty("f1_macro").GetDouble(), 12);
    }

    [Fact]
    public void Should_ExitWithCode2_When_TheRunDirectoryHoldsNoRun()
    {
        // Given an empty directory
        using var dirFolder = new TempFolder("norun");
        var dir = dirFolder.Path;

        // When it is evaluated
        var (code, _, error) = CliRunner.Run("evaluate", "--run", dir);

        // Then the error names config.json
        Assert.Equal(2, code);
        Assert.Contains("config.json", error, StringComparison.Ordinal);
    }
}
