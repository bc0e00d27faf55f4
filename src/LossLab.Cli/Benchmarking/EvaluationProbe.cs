using System.Diagnostics;
using LossLab.Data;
using LossLab.Evaluation;
using LossLab.Runs;
using LossLab.Training;
using static TorchSharp.torch;

namespace LossLab.Cli.Benchmarking;

/// <summary>
/// The evaluation a training run does after each epoch, end to end, on a saved run's last checkpoint: the
/// forward passes over the test images (and, for models without a classifier, the training images whose
/// class means predict), the classification metrics and, when the run computes them, the embedding metrics.
/// </summary>
internal sealed class EvaluationProbe : IDisposable
{
    private readonly SavedRun saved;
    private readonly Tensor trainIndices;
    private readonly Tensor testIndices;
    private readonly Evaluator evaluator;

    private EvaluationProbe(SavedRun saved, int? classMeanImages)
    {
        this.saved = saved;
        trainIndices = RunSubsets.Train(saved.Options, saved.Data);
        testIndices = RunSubsets.Test(saved.Options, saved.Data);
        evaluator = new Evaluator(new BatchTransform(saved.Data.Mean, saved.Data.Std), saved.Device);
        ClassMeanImages = classMeanImages ?? saved.Options.ClassMeanImages;
    }

    /// <summary>Training images whose embeddings give the class means (null: all).</summary>
    public int? ClassMeanImages { get; }

    /// <summary>What is evaluated, for the report.</summary>
    public string Shape =>
        $"{saved.Options.Model} {saved.Options.Loss} on {saved.Options.Dataset}: {testIndices.shape[0]} test images, " +
        $"class means of {(ClassMeanImages is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "all")} of {trainIndices.shape[0]} training images, " +
        $"embedding metrics {(saved.Options.EmbeddingMetrics ? "on" : "off")}";

    /// <summary>Opens the run in <paramref name="directory"/> on the CPU; <paramref name="classMeanImages"/> overrides the run's own setting.</summary>
    public static EvaluationProbe Open(string directory, int? classMeanImages)
    {
        var saved = SavedRun.Open(directory, "last", device: DeviceKind.Cpu);
        try
        {
            return new EvaluationProbe(saved, classMeanImages);
        }
        catch
        {
            saved.Dispose();
            throw;
        }
    }

    /// <summary>Seconds of one evaluation, and its metrics.</summary>
    public (double Seconds, EpochMetrics Metrics) Time()
    {
        var watch = Stopwatch.StartNew();
        var options = saved.Options;
        var metrics = evaluator.Evaluate(saved.Model, saved.Loss, saved.Data, trainIndices, testIndices, options.EmbeddingMetrics, options.Seed, ClassMeanImages);
        return (watch.Elapsed.TotalSeconds, metrics);
    }

    public void Dispose()
    {
        trainIndices.Dispose();
        testIndices.Dispose();
        saved.Dispose();
    }
}
