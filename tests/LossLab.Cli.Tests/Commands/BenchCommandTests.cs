using System.Text.Json;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Commands;

public sealed class BenchCommandTests
{
    [Fact]
    public void Should_PrintTheThroughputsAndEvaluationTimeAsJson_When_AskedForJson()
    {
        // Given Fashion-MNIST and a tiny benchmark with the embedding metrics
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");

        // When bench runs with --json
        var (code, output, error) = CliRunner.Run(
            "bench", "--dataset", "fashion-mnist", "--batch-size", "8", "--steps", "1", "--warmup", "0", "--repeats", "1", "--matmul-size", "64",
            "--eval", "--n", "300", "--dim", "8", "--classes", "3", "--json");

        // Then it succeeds with one JSON object holding the three headline numbers
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        foreach (var key in new[] { "train_img_per_s", "pipeline_img_per_s", "eval_seconds", "matmul_flops_per_s", "forward_flops_per_image" })
        {
            Assert.True(json.RootElement.GetProperty(key).GetDouble() > 0, key);
        }
    }

    [Fact]
    public void Should_ExitWithBadInputNamingTheOption_When_RepeatsIsZero()
    {
        // Given a benchmark asked to repeat nothing
        // When it runs
        var (code, _, error) = CliRunner.Run("bench", "--repeats", "0");

        // Then it stops before any work with exit code 2, naming the option
        Assert.Equal(2, code);
        Assert.Contains("--repeats", error, StringComparison.Ordinal);
    }
}
