using LossLab.Evaluation;
using LossLab.Training;

namespace LossLab.Tests.Experiments;

/// <summary>An observer the runner must dispose when its run ends; counts how many are alive.</summary>
internal sealed class CountingObserver : ITrainingObserver, IDisposable
{
    private static int alive;
    private bool disposed;

    public CountingObserver() => Interlocked.Increment(ref alive);

    public static int Alive => Volatile.Read(ref alive);

    public void EpochStarted(int epoch, int epochs, int batches)
    {
    }

    public void BatchFinished(int epoch, int batch, int batches, double meanLoss, double imagesPerSecond)
    {
    }

    public void EpochFinished(EpochMetrics metrics, int epochs)
    {
    }

    public void Info(string message)
    {
    }

    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            Interlocked.Decrement(ref alive);
        }
    }
}
