using TorchSharp;

namespace LossLab.Training;

/// <summary>Turns <c>--device</c> into a libtorch device.</summary>
public static class DeviceSelector
{
    /// <summary>Resolves the device; <see cref="DeviceKind.Auto"/> picks CUDA when libtorch sees a GPU.</summary>
    /// <exception cref="ArgumentException">CUDA was asked for but is not available (bad input, like an unknown name).</exception>
    public static torch.Device Resolve(DeviceKind device) => device switch
    {
        DeviceKind.Cpu => torch.CPU,
        DeviceKind.Cuda when torch.cuda.is_available() => torch.CUDA,
        DeviceKind.Cuda => throw new ArgumentException("--device cuda: libtorch sees no CUDA device (build with -p:LossLabCuda=true on a machine with an NVIDIA GPU and driver)", nameof(device)),
        DeviceKind.Auto => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
        _ => throw new ArgumentException($"--device: '{device}' is not valid; valid: auto, cpu, cuda", nameof(device)),
    };
}
