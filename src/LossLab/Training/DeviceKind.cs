using System.Text.Json.Serialization;
using LossLab.Losses;

namespace LossLab.Training;

/// <summary>Where a run trains (<c>--device</c>).</summary>
[JsonConverter(typeof(KebabCaseEnumJsonConverter<DeviceKind>))]
public enum DeviceKind
{
    /// <summary>CUDA when available, else the CPU (<c>auto</c>, the default).</summary>
    Auto,

    /// <summary>The CPU (<c>cpu</c>).</summary>
    Cpu,

    /// <summary>The first CUDA device (<c>cuda</c>).</summary>
    Cuda,
}
