using LossLab.Cli.Benchmarking;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Benchmarking;

public sealed class ThroughputBenchmarkTests
{
    [Fact]
    public void Should_ReportEveryMeasurementAndThePyTorchFlopCount_When_BenchmarkingSmallCnnOnFashionMnist()
    {
        // Given a tiny benchmark of small-cnn on Fashion-MNIST with the embedding metrics
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        var options = new BenchOptions
        {
            Model = "small-cnn",
            Dataset = "fashion-mnist",
            BatchSize = 8,
            Steps = 1,
            WarmupSteps = 0,
            Repeats = 1,
            MatmulSize = 128,
            Eval = true,
            EvalPoints = 400,
            EvalDim = 16,
            EvalClasses = 4,
        };

        // When it runs
        var report = ThroughputBenchmark.Run(options, TextWriter.Null);

        // Then every measurement is there, the ratios are those of the medians, and the FLOPs are PyTorch's count
        Assert.True(report.TrainImgPerS > 0);
        Assert.True(report.PipelineImgPerS > 0);
        Assert.Equal(report.PipelineImgPerS!.Value / report.TrainImgPerS!.Value, report.PipelineOverTrain!.Value, 12);
        Assert.Equal(ModelReference.Entry("small-cnn", 1, 28).GetProperty("flops").GetInt64(), report.ForwardFlopsPerImage);
        Assert.Equal(3.0 * report.ForwardFlopsPerImage!.Value * report.TrainImgPerS.Value, report.TrainFlopsPerS!.Value, 1e-6 * report.TrainFlopsPerS.Value);
        Assert.True(report.MatmulFlopsPerS > 0);
        Assert.Equal(report.TrainFlopsPerS.Value / report.MatmulFlopsPerS!.Value, report.TrainOverMatmul!.Value, 12);
        Assert.True(report.EvalSeconds > 0);
        Assert.Equal("400x16", report.EvalShape);
        Assert.All(report.Runs.Values, runs => Assert.Single(runs));
        Assert.True(report.KeepsFreedMemory);
    }

    [Fact]
    public void Should_MeasureOnlyTheMatrixMultiply_When_NoStepsAndNoEvaluation()
    {
        // Given no training steps and no evaluation
        var options = new BenchOptions { Steps = 0, Repeats = 3, MatmulSize = 64 };

        // When it runs
        var report = ThroughputBenchmark.Run(options, TextWriter.Null);

        // Then only the matrix multiply was timed, three times, and the rest is absent
        Assert.Equal(3, report.Runs["matmul_flops_per_s"].Count);
        Assert.Single(report.Runs);
        Assert.Null(report.TrainImgPerS);
        Assert.Null(report.PipelineImgPerS);
        Assert.Null(report.EvalSeconds);
        Assert.Null(report.Dataset);
    }

    [Theory]
    [InlineData("--batch-size")]
    [InlineData("--repeats")]
    [InlineData("--steps")]
    [InlineData("--classes")]
    public void Should_NameTheOption_When_AValueIsOutOfRange(string option)
    {
        // Given options with one value out of range
        var options = option switch
        {
            "--batch-size" => new BenchOptions { BatchSize = 1 },
            "--repeats" => new BenchOptions { Repeats = 0 },
            "--steps" => new BenchOptions { Steps = -1 },
            _ => new BenchOptions { EvalPoints = 5, EvalClasses = 6 },
        };

        // When they are validated
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        // Then the error names that option
        Assert.Equal(option, error.ParamName);
    }
}
