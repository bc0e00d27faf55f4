using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>
/// The tensor-facing side of <see cref="RowMining"/>: CPU float32 and float64 distances are mined in managed memory,
/// so that the public miners, the per-sample losses and the fused losses (which call <see cref="RowMining"/> on their
/// own buffers) make the same draws from the same generator. Other devices keep the libtorch implementations.
/// </summary>
internal static class ManagedMining
{
    /// <summary>The largest batch whose (N, N) matrix an int index can address.</summary>
    public const int MaxRows = 46_340;

    /// <summary>The three row miners.</summary>
    public enum Kind
    {
        /// <summary><see cref="RowMining.SemiHard{T}"/>.</summary>
        SemiHard,

        /// <summary><see cref="RowMining.BatchHard{T}"/>.</summary>
        BatchHard,

        /// <summary><see cref="RowMining.DistanceWeighted{T}"/> (of squared distances).</summary>
        DistanceWeighted,
    }

    /// <summary>Whether (N, ·) CPU float32 or float64 <paramref name="tensor"/> with CPU <paramref name="labels"/> is mined in managed memory.</summary>
    public static bool Supports(Tensor tensor, Tensor labels) =>
        tensor.device_type == DeviceType.CPU && labels.device_type == DeviceType.CPU
        && tensor.dtype is ScalarType.Float32 or ScalarType.Float64 && tensor.shape[0] <= MaxRows;

    /// <summary>A contiguous tensor's elements as a span (the tensor must stay alive while the span is used).</summary>
    public static Span<T> Elements<T>(Tensor tensor)
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(tensor.bytes);

    /// <summary>One (positive, negative) per row with (N) bool validity, for (N, N) CPU distances (see <see cref="Supports"/>).</summary>
    /// <param name="distances">(N, N) distances; squared distances for <see cref="Kind.DistanceWeighted"/>.</param>
    /// <param name="labels">(N) int64 labels.</param>
    /// <param name="kind">The miner.</param>
    /// <param name="margin">Semi-hard window width.</param>
    /// <param name="dimension">Embedding dimension of distance-weighted sampling.</param>
    /// <param name="cutoff">Distance cutoff of distance-weighted sampling, or null.</param>
    /// <param name="generator">Seeds the draws; null for torch's default generator.</param>
    /// <returns>(N) int64 positives and negatives (the row itself where invalid) and (N) bool validity.</returns>
    public static (Tensor Positives, Tensor Negatives, Tensor Valid) MineRows(
        Tensor distances, Tensor labels, Kind kind, double margin = 0, int dimension = 0, double? cutoff = null, Generator? generator = null)
    {
        using var d = distances.contiguous();
        using var l = labels.contiguous();
        return d.dtype == ScalarType.Float32
            ? MineRows<float>(d, l, kind, margin, dimension, cutoff, generator)
            : MineRows<double>(d, l, kind, margin, dimension, cutoff, generator);
    }

    /// <summary>Per row, a uniformly random other sample of its class, drawn as the fused losses draw it.</summary>
    /// <param name="labels">(N) int64 CPU labels.</param>
    /// <param name="generator">Seeds the draws; null for torch's default generator.</param>
    /// <returns>(N) int64 rows (the row itself where it is alone in its class) and (N) bool: whether it has a positive.</returns>
    public static (Tensor Choice, Tensor Valid) RandomPositives(Tensor labels, Generator? generator)
    {
        using var l = labels.contiguous();
        var n = (int)l.shape[0];
        var classes = ClassLayout.Of(Elements<long>(l), MiningWorkspace.Current);
        var random = SplitMix64.From(generator);
        var positives = MiningWorkspace.Current.Positives.AsSpan(0, n);
        for (var i = 0; i < n; i++)
        {
            positives[i] = classes.RandomPositive(i, ref random);
        }

        return ToTensors(positives);
    }

    private static (Tensor Positives, Tensor Negatives, Tensor Valid) MineRows<T>(
        Tensor distances, Tensor labels, Kind kind, double margin, int dimension, double? cutoff, Generator? generator)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = (int)distances.shape[0];
        var workspace = MiningWorkspace.Current;
        var classes = ClassLayout.Of(Elements<long>(labels), workspace);
        var positives = workspace.Positives.AsSpan(0, n);
        var negatives = workspace.Negatives.AsSpan(0, n);
        var d = Elements<T>(distances);
        // Batch-hard mining draws nothing, and leaves the generator untouched.
        var random = kind == Kind.BatchHard ? default : SplitMix64.From(generator);
        switch (kind)
        {
            case Kind.SemiHard:
                RowMining.SemiHard<T>(d, classes, margin, ref random, positives, negatives);
                break;
            case Kind.BatchHard:
                RowMining.BatchHard<T>(d, classes, positives, negatives);
                break;
            default:
                RowMining.DistanceWeighted<T>(d, classes, dimension, cutoff, ref random, positives, negatives);
                break;
        }

        // A skipped row has −1 in both.
        var (p, valid) = ToTensors(positives);
        var (negativeRows, sameValidity) = ToTensors(negatives);
        sameValidity.Dispose();
        return (p, negativeRows, valid);
    }

    /// <summary>Per-row choices as (N) int64 rows (−1 replaced by the row itself) and (N) bool: whether there was one.</summary>
    private static (Tensor Rows, Tensor Valid) ToTensors(ReadOnlySpan<int> choices)
    {
        var rows = new long[choices.Length];
        var valid = new bool[choices.Length];
        for (var i = 0; i < choices.Length; i++)
        {
            valid[i] = choices[i] >= 0;
            rows[i] = valid[i] ? choices[i] : i;
        }

        return (torch.tensor(rows), torch.tensor(valid));
    }
}
