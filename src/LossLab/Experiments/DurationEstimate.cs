using LossLab.Data;
using LossLab.Losses;
using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>The images one run trains on and evaluates each epoch.</summary>
/// <param name="Options">The run's options (model, epochs, loss, threads).</param>
/// <param name="TrainImages">Training images per epoch.</param>
/// <param name="TestImages">Test (or validation) images each evaluation scores.</param>
/// <param name="ImagePixels">Height × width of an image.</param>
public sealed record RunWork(TrainOptions Options, int TrainImages, int TestImages, int ImagePixels);

/// <summary>
/// The expected wall time of an experiment's runs, from the training speed of their model measured on one reference
/// machine (2 cores of an Intel Xeon of 2026, see <see cref="ReferenceMachine"/>) and the order in which <c>--jobs</c>
/// slots take the runs. A guide, not a promise: another CPU can be twice as fast or slow. It is printed before an
/// experiment starts and beside the measured wall time at its end.
/// </summary>
public static class DurationEstimate
{
    /// <summary>Where the speeds were measured.</summary>
    public const string ReferenceMachine = "2 cores of an Intel Xeon (Sapphire Rapids), 2026";

    /// <summary>
    /// An evaluated image (a forward pass in evaluation mode) costs this share of a training step on one image.
    /// </summary>
    public const double EvaluationShare = 0.3;

    /// <summary>
    /// One run on several threads does not use them fully (small layers, serial steps): the E2 quick preset took 1.23×
    /// as long with its runs one after another on 2 threads (715 s) as with 2 runs at once on 1 thread each (581 s).
    /// </summary>
    public const double MultiThreadOverhead = 1.23;

    /// <summary>Seconds a run spends besides its epochs: process start, loading the data, the last checkpoint.</summary>
    public const double RunOverheadSeconds = 5;

    // Core-seconds per training image at 32×32 pixels (batch 128), 2026-12-06 on the reference machine:
    // small-cnn: the median of the 42 training epochs of `reproduce E2 --preset medium` (two runs at once, 1 thread
    // each), 580 images/s per run; its evaluations (medians 5.3 s for 10,000 images, 10.7 s for 20,000 with the class
    // means) took 0.31 of a training step per image;
    // resnet18 and googlenet: benchmarks/compare.sh medians on 2 threads (25.9 and 5.64 images/s).
    private static readonly Dictionary<string, double> CoreSecondsPerImage = new(StringComparer.OrdinalIgnoreCase)
    {
        ["small-cnn"] = 1.75e-3,
        ["resnet18"] = 2.0 / 25.9,
        ["googlenet"] = 2.0 / 5.64,
    };

    /// <summary>The models with a measured speed.</summary>
    public static IReadOnlyCollection<string> Models => CoreSecondsPerImage.Keys;

    /// <summary>Core-seconds the run needs (training and every epoch's evaluation), or null for a model without a measured speed.</summary>
    public static double? CoreSeconds(RunWork run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!CoreSecondsPerImage.TryGetValue(run.Options.Model, out var perImage))
        {
            return null;
        }

        perImage *= run.ImagePixels / 1024.0;

        // Metric losses predict by class means, so each evaluation also embeds the training images that give them.
        using var probe = run.Options.ProbeLoss();
        var classMeans = probe.Input == LossInput.Embedding
            ? Math.Min(run.Options.ClassMeanImages ?? run.TrainImages, run.TrainImages)
            : 0;
        return run.Options.Epochs * perImage * (run.TrainImages + (EvaluationShare * (run.TestImages + classMeans)));
    }

    /// <summary>The images the run with <paramref name="options"/> trains on and evaluates in <paramref name="data"/>.</summary>
    public static RunWork Work(TrainOptions options, ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        using var train = RunSubsets.Train(options, data);
        using var test = RunSubsets.Test(options, data);
        return new RunWork(options, (int)train.shape[0], (int)test.shape[0], data.Height * data.Width);
    }

    /// <summary>
    /// The expected wall time of <paramref name="runs"/> in their order, <paramref name="jobs"/> at once on
    /// <paramref name="cores"/> cores; null when a run's model has no measured speed.
    /// </summary>
    /// <param name="runs">The runs still to train.</param>
    /// <param name="jobs">Runs trained at once.</param>
    /// <param name="cores">Cores of the machine.</param>
    public static TimeSpan? Of(IEnumerable<RunWork> runs, int jobs, int cores)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        var slots = new double[jobs];
        foreach (var run in runs)
        {
            if (CoreSeconds(run) is not { } work)
            {
                return null;
            }

            // A run gets its threads' cores (at most its share of the machine); with more than one thread it uses them
            // less than fully.
            var threads = Math.Clamp(run.Options.Threads ?? cores, 1, Math.Max(1, cores / jobs));
            var seconds = RunOverheadSeconds + (work / threads * (threads > 1 ? MultiThreadOverhead : 1));
            var first = Array.IndexOf(slots, slots.Min());
            slots[first] += seconds;
        }

        return TimeSpan.FromSeconds(slots.Max());
    }

    /// <summary>"41 min", "2.5 h" or "50 s".</summary>
    public static string Format(TimeSpan time) => time.TotalSeconds switch
    {
        < 90 => FormattableString.Invariant($"{time.TotalSeconds:F0} s"),
        < 5400 => FormattableString.Invariant($"{time.TotalMinutes:F0} min"),
        _ => FormattableString.Invariant($"{time.TotalHours:F1} h"),
    };
}
