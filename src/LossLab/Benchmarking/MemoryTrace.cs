namespace LossLab.Benchmarking;

/// <summary>Resident memory (VmRSS) after each epoch of a training run, to show it does not grow across epochs.</summary>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="TrainImages">Training images per epoch.</param>
/// <param name="RssMb">VmRSS in MiB after each epoch (training, evaluation, checkpoint), in order.</param>
/// <param name="GrowthAfterEpoch2">RSS after the last epoch over RSS after epoch 2, minus 1 (0.05 = 5% more).</param>
public sealed record MemoryTrace(int Epochs, int TrainImages, IReadOnlyList<double> RssMb, double GrowthAfterEpoch2);
