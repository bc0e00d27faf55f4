using TorchSharp;

namespace LossLab.Training;

/// <summary>Turns <c>--device</c> into a libtorch device.</summary>
public static class DeviceSelector
{
    /// <summary>Resolves <c>auto|cpu|cuda</c>; <c>auto</c> picks CUDA when libtorch sees a GPU.</summary>
    /// <exception cref="ArgumentException">CUDA was asked for but is not available (bad input, like an unknown name).</exception>
    public static torch.Device Resolve(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device switch
        {
            "cpu" => torch.CPU,
            "cuda" when torch.cuda.is_available() => torch.CUDA,
            "cuda" => throw new ArgumentException("--device cuda: libtorch sees no CUDA device (build with -p:LossLabCuda=true on a machine with an NVIDIA GPU and driver)", nameof(device)),
            "auto" => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
            _ => throw new ArgumentException($"--device: '{device}' is not valid; valid: auto, cpu, cuda", nameof(device)),
        };
    }
}
