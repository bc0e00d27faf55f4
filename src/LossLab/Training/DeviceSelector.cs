using TorchSharp;

namespace LossLab.Training;

/// <summary>Turns <c>--device</c> and <c>--threads</c> into a libtorch device and thread setting.</summary>
public static class DeviceSelector
{
    /// <summary>Resolves the device; <see cref="DeviceKind.Auto"/> picks CUDA when libtorch sees a GPU.</summary>
    /// <exception cref="InvalidOperationException">CUDA was asked for but is not available.</exception>
    public static torch.Device Resolve(DeviceKind device) => device switch
    {
        DeviceKind.Cpu => torch.CPU,
        DeviceKind.Cuda when torch.cuda.is_available() => torch.CUDA,
        DeviceKind.Cuda => throw new InvalidOperationException("--device cuda: libtorch sees no CUDA device (build with -p:LossLabCuda=true on a machine with an NVIDIA GPU and driver)"),
        DeviceKind.Auto => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
        _ => throw new ArgumentException($"--device: '{device}' is not valid; valid: auto, cpu, cuda", nameof(device)),
    };

    /// <summary>Sets libtorch's intra-op threads; null means one per core.</summary>
    /// <returns>The thread count in force.</returns>
    public static int ApplyThreads(int? threads)
    {
        var count = threads ?? Environment.ProcessorCount;
        torch.set_num_threads(count);
        return count;
    }
}
