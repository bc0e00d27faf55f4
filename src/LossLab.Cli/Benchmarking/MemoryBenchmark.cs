using LossLab.Data;
using LossLab.Evaluation;
using LossLab.Hosting;
using LossLab.Runs;
using LossLab.Training;
using TorchSharp;

namespace LossLab.Cli.Benchmarking;

/// <summary>
/// Trains a small run (every epoch trained, evaluated with the embedding metrics and checkpointed, as a real run)
/// and records the resident memory after each epoch: a leak shows as growth from epoch to epoch.
/// </summary>
public static class MemoryBenchmark
{
    /// <summary>Trains <paramref name="options"/> in a temporary run directory, deleted afterwards.</summary>
    /// <param name="options">The run; use a small <see cref="TrainOptions.TrainLimit"/> and at least 3 epochs.</param>
    /// <param name="log">Receives one line per epoch.</param>
    public static MemoryTrace Run(TrainOptions options, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 3, "--memory-epochs");
        options.Validate();
        ProcessSettings.ApplyThreads(options.Threads);
        using var data = DatasetRegistry.Load(options.Dataset, new DataOptions { DataDir = options.DataDir });
        var directory = Directory.CreateTempSubdirectory("losslab-bench-");
        try
        {
            var observer = new RssObserver(log);
            var summary = new Trainer(options, observer).Run(data, new RunDirectory(directory.FullName), resume: false, CancellationToken.None);
            var rss = observer.Rss;
            return new MemoryTrace(summary.Epochs, Math.Min(options.TrainLimit ?? data.Train.Count, data.Train.Count), rss, observer.Tensors, observer.Managed, observer.Anonymous, observer.FileBacked, (rss[^1] / rss[1]) - 1);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private sealed class RssObserver(TextWriter log) : ITrainingObserver
    {
        public List<double> Rss { get; } = [];

        public List<long> Tensors { get; } = [];

        public List<double> Managed { get; } = [];

        public List<double> Anonymous { get; } = [];

        public List<double> FileBacked { get; } = [];

        public void EpochStarted(int epoch, int epochs, int batches)
        {
        }

        public void BatchFinished(int epoch, int batch, int batches, double meanLoss, double imagesPerSecond)
        {
        }

        public void EpochFinished(EpochMetrics metrics, int epochs)
        {
            Rss.Add(MemoryProbe.ResidentMb());
            Tensors.Add(torch.Tensor.TotalCount);
            Managed.Add(GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0);
            Anonymous.Add(MemoryProbe.AnonymousMb());
            FileBacked.Add(MemoryProbe.FileBackedMb());
            log.WriteLine(FormattableString.Invariant(
                $"epoch {metrics.Epoch}/{epochs}: rss {Rss[^1]:F1} MiB (anonymous {Anonymous[^1]:F1}, file-backed {FileBacked[^1]:F1}), {Tensors[^1]} live tensors, .NET committed {Managed[^1]:F1} MiB, {metrics.TrainImgPerS:F0} img/s, eval {metrics.EvalSeconds:F2} s"));
        }

        public void Info(string message) => log.WriteLine(message);
    }
}
