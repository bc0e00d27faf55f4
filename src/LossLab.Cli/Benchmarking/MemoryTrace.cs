namespace LossLab.Cli.Benchmarking;

/// <summary>Resident memory (VmRSS) after each epoch of a training run, to show it does not grow across epochs.</summary>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="TrainImages">Training images per epoch.</param>
/// <param name="RssMb">VmRSS in MiB after each epoch (training, evaluation, checkpoint), in order.</param>
/// <param name="LiveTensors">TorchSharp tensors alive after each epoch: a count that grows means tensors left undisposed.</param>
/// <param name="ManagedMb">Memory the .NET garbage collector had committed after each epoch, MiB: its part of the RSS.</param>
/// <param name="AnonymousMb">The anonymous part of each RSS (heaps, stacks, generated code), MiB.</param>
/// <param name="FileBackedMb">The file-backed part of each RSS (mapped libraries and files), MiB.</param>
/// <param name="GrowthAfterEpoch2">RSS after the last epoch over RSS after epoch 2, minus 1 (0.05 = 5% more).</param>
public sealed record MemoryTrace(
    int Epochs,
    int TrainImages,
    IReadOnlyList<double> RssMb,
    IReadOnlyList<long> LiveTensors,
    IReadOnlyList<double> ManagedMb,
    IReadOnlyList<double> AnonymousMb,
    IReadOnlyList<double> FileBackedMb,
    double GrowthAfterEpoch2);
