using TorchSharp;

namespace LossLab.Tests;

/// <summary>
/// Sets libtorch's thread count for a block and restores it on dispose. These tests train tiny batches, which
/// gain nothing from a second thread, while idle worker threads spin on a shared, busy machine.
/// </summary>
internal sealed class TorchThreads : IDisposable
{
    private readonly int previous = torch.get_num_threads();

    public TorchThreads(int threads) => torch.set_num_threads(threads);

    public void Dispose() => torch.set_num_threads(previous);
}
