using LossLab.Evaluation;
namespace LossLab.Training;

/// <summary>Receives progress from a <see cref="Trainer"/>: a console bar, a log, a test probe.</summary>
public interface ITrainingObserver
{
    /// <summary>An epoch starts with <paramref name="batches"/> batches.</summary>
    void EpochStarted(int epoch, int epochs, int batches);

    /// <summary>A batch finished.</summary>
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="batch">1-based batch within the epoch.</param>
    /// <param name="batches">Batches in the epoch.</param>
    /// <param name="meanLoss">Running mean of the epoch's loss.</param>
    /// <param name="imagesPerSecond">Training throughput so far in this epoch.</param>
    void BatchFinished(int epoch, int batch, int batches, double meanLoss, double imagesPerSecond);

    /// <summary>An epoch finished and was evaluated.</summary>
    void EpochFinished(EpochMetrics metrics, int epochs);

    /// <summary>A line of information (data loaded, checkpoint written, ...).</summary>
    void Info(string message);
}
