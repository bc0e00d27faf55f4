using System.Globalization;
using LossLab.Data;
using LossLab.Evaluation;
using LossLab.Hosting;
using LossLab.Metrics;
using LossLab.Runs;
using LossLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Benchmarks;

/// <summary>
/// What taking the class means from a subset of the training images does to a run's accuracy and macro-F1:
/// each run's last checkpoint embeds all its training and test images once (eval mode), then for every subset
/// size and draw the nearest-class-mean prediction is scored against the one from all training images.
/// Prints CSV rows <c>run,m,draw,d_acc,d_f1</c>; draw s is the subset a run with seed s uses.
/// </summary>
public static class ClassMeanSubsetStudy
{
    /// <summary>Runs the study on the run directories, for each size in <paramref name="sizes"/> and draws 1..<paramref name="draws"/>.</summary>
    public static void Run(IReadOnlyList<int> sizes, int draws, IEnumerable<string> runs)
    {
        ProcessSettings.Apply(new ProcessSettings { Threads = 2 });
        Console.WriteLine("run,m,draw,d_acc,d_f1");
        foreach (var dir in runs)
        {
            using var scope = torch.NewDisposeScope();
            using var saved = SavedRun.Open(dir, "last", device: DeviceKind.Cpu);
            var data = saved.Data;
            var trainIndices = RunSubsets.Train(saved.Options, data);
            var testIndices = RunSubsets.Test(saved.Options, data);
            var evaluator = new Evaluator(new BatchTransform(data.Mean, data.Std), saved.Device);
            var (train, _) = evaluator.Embed(saved.Model, data.Train, trainIndices);
            var (test, _) = evaluator.Embed(saved.Model, data.Test, testIndices);
            var trainLabels = data.Train.Labels.index_select(0, trainIndices);
            var truth = data.Test.Labels.index_select(0, testIndices).data<long>().ToArray();
            ClassificationReport Score(Tensor positions)
            {
                using var inner = torch.NewDisposeScope();
                var predicted = NearestClassMean.Predict(train.index_select(0, positions), trainLabels.index_select(0, positions), test, data.NumClasses);
                return ClassificationMetrics.Compute(truth, predicted.data<long>().ToArray(), data.NumClasses);
            }

            var all = Score(torch.arange(trainIndices.shape[0], ScalarType.Int64));
            foreach (var m in sizes)
            {
                for (var s = 1; s <= draws; s++)
                {
                    var subset = Score(Evaluator.ClassMeanSubset(trainLabels, m, s));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(dir)},{m},{s},{subset.Accuracy - all.Accuracy:F4},{subset.F1Macro - all.F1Macro:F5}"));
                }
            }
        }
    }
}
