using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>Shape and type checks shared by the losses and miners, failing with the parameter's name.</summary>
internal static class LossChecks
{
    /// <summary>Checks (N, K) floating-point input and (N) int64 labels.</summary>
    public static void InputAndLabels(Tensor input, Tensor labels, string inputName)
    {
        ArgumentNullException.ThrowIfNull(input, inputName);
        ArgumentNullException.ThrowIfNull(labels);
        if (input.dim() != 2)
        {
            throw new ArgumentException($"{inputName} must be 2-D (N, K), got ({Shape(input)})", inputName);
        }

        if (!torch.is_floating_point(input))
        {
            throw new ArgumentException($"{inputName} must be floating point, got {input.dtype}", inputName);
        }

        Labels(labels, input.shape[0]);
    }

    /// <summary>Checks (N, N) distances and (N) int64 labels.</summary>
    public static void Distances(Tensor distances, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(distances);
        ArgumentNullException.ThrowIfNull(labels);
        if (distances.dim() != 2 || distances.shape[0] != distances.shape[1])
        {
            throw new ArgumentException($"distances must be (N, N), got ({Shape(distances)})", nameof(distances));
        }

        Labels(labels, distances.shape[0]);
    }

    /// <summary>Checks (n) int64 labels.</summary>
    public static void Labels(Tensor labels, long n)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.dim() != 1 || labels.shape[0] != n)
        {
            throw new ArgumentException($"labels must be ({n}), got ({Shape(labels)})", nameof(labels));
        }

        if (labels.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"labels must be int64, got {labels.dtype}", nameof(labels));
        }
    }

    /// <summary>Checks that every label is a class index in [0, <paramref name="classes"/>), so no op reads outside a row.</summary>
    public static void LabelsInRange(Tensor labels, long classes)
    {
        if (labels.numel() == 0)
        {
            return;
        }

        var low = labels.min().ToInt64();
        var high = labels.max().ToInt64();
        if (low < 0 || high >= classes)
        {
            throw new ArgumentOutOfRangeException(nameof(labels), low < 0 ? low : high, $"labels must be class indices in [0, {classes})");
        }
    }

    /// <summary>Checks that the triplet index tensors are 1-D int64 of one length.</summary>
    public static void Indices(params (Tensor Tensor, string Name)[] indices)
    {
        var length = -1L;
        foreach (var (tensor, name) in indices)
        {
            ArgumentNullException.ThrowIfNull(tensor, name);
            if (tensor.dim() != 1 || tensor.dtype != ScalarType.Int64)
            {
                throw new ArgumentException($"{name} must be 1-D int64, got {tensor.dtype} ({Shape(tensor)})", name);
            }

            if (length >= 0 && tensor.shape[0] != length)
            {
                throw new ArgumentException($"{name} has {tensor.shape[0]} entries, the other indices {length}", name);
            }

            length = tensor.shape[0];
        }
    }

    private static string Shape(Tensor t) => string.Join(", ", t.shape);
}
