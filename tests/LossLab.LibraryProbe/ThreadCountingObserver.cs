using LossLab.Evaluation;
using LossLab.Training;

namespace LossLab.LibraryProbe;

/// <summary>Counts, after each epoch (between one epoch's training and the next), the threads training keeps to prepare batches.</summary>
internal sealed class ThreadCountingObserver : ITrainingObserver
{
    // Linux keeps 15 characters of a thread's name: "losslab-prefetch" reads "losslab-prefetc".
    private const string PrefetchThreadName = "losslab-prefetc";

    public List<int> PrefetchThreadsAfterEpoch { get; } = [];

    public List<string> Lines { get; } = [];

    public void EpochStarted(int epoch, int epochs, int batches)
    {
    }

    public void BatchFinished(int epoch, int batch, int batches, double meanLoss, double imagesPerSecond)
    {
    }

    public void EpochFinished(EpochMetrics metrics, int epochs) =>
        PrefetchThreadsAfterEpoch.Add(Directory.GetDirectories("/proc/self/task")
            .Count(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == PrefetchThreadName));

    public void Info(string message) => Lines.Add(message);
}
