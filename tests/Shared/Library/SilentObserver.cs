using LossLab.Evaluation;
using LossLab.Training;

namespace LossLab.Tests;

/// <summary>An observer that keeps the information lines and ignores progress.</summary>
internal sealed class SilentObserver : ITrainingObserver
{
    public List<string> Lines { get; } = [];

    public void EpochStarted(int epoch, int epochs, int batches)
    {
    }

    public void BatchFinished(int epoch, int batch, int batches, double meanLoss, double imagesPerSecond)
    {
    }

    public void EpochFinished(EpochMetrics metrics, int epochs)
    {
    }

    public void Info(string message) => Lines.Add(message);
}
