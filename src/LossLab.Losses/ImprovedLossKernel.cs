using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// The improved loss (SPEC §1) and its logit gradient computed row by row over the CPU tensors' own memory, in one
/// pass per row: the softmax numerators land in the gradient's row and are scaled there. At the sizes of a classifier
/// head (e.g. 256 × 100) a chain of libtorch calls costs more in per-call overhead than in arithmetic; here the only
/// libtorch calls are the allocations of the results.
/// </summary>
/// <remarks>
/// Used for contiguous float32/float64 logits on the CPU (the training case); other devices and types go through the
/// libtorch-op path of <see cref="ImprovedLossFunction"/>, which computes the same quantities. The per-row scalars
/// (log p_t, the focal factor, the gradient coefficient) are formed in double whatever the logits' type.
/// </remarks>
internal static class ImprovedLossKernel
{
    /// <summary>Whether the kernel handles these inputs (contiguous CPU float32/float64 logits, CPU int64 labels, matching alpha).</summary>
    public static bool Supports(Tensor logits, Tensor labels, Tensor? alpha) =>
        logits.device_type == DeviceType.CPU
        && logits.dtype is ScalarType.Float32 or ScalarType.Float64
        && logits.is_contiguous()
        && labels.device_type == DeviceType.CPU
        && labels.is_contiguous()
        && (alpha is null || (alpha.device_type == DeviceType.CPU && alpha.dtype == logits.dtype && alpha.is_contiguous()));

    /// <summary>
    /// The reduced loss (or the per-sample losses for <see cref="Reduction.None"/>) and, if
    /// <paramref name="withGradient"/>, d(loss)/d(logits) for an upstream gradient of 1 (per sample for
    /// <see cref="Reduction.None"/>). Inputs must satisfy <see cref="Supports"/>; shapes are checked by the caller.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, C).</exception>
    public static (Tensor Loss, Tensor? Gradient) Compute(
        Tensor logits, Tensor labels, double beta, double gamma, Tensor? alpha, Reduction reduction, bool withGradient) =>
        logits.dtype == ScalarType.Float32
            ? Compute<float>(logits, labels, beta, gamma, alpha, reduction, withGradient)
            : Compute<double>(logits, labels, beta, gamma, alpha, reduction, withGradient);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Tensor Loss, Tensor? Gradient) Compute<T>(
        Tensor logits, Tensor labels, double beta, double gamma, Tensor? alpha, Reduction reduction, bool withGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = checked((int)logits.shape[0]);
        var c = checked((int)logits.shape[1]);
        var gradient = withGradient ? torch.empty([n, c], dtype: logits.dtype) : null;
        var perSample = reduction == Reduction.None ? torch.empty([n], dtype: logits.dtype) : null;
        // The gradient's scale: beta from the softmax scaling, and the mean's 1/N folded in.
        var scale = reduction == Reduction.Mean && n > 0 ? beta / n : beta;
        var scratch = withGradient ? null : new T[c];
        var total = 0.0;
        try
        {
            // Views of the tensors' own memory (contiguous CPU tensors, checked by Supports).
            ReadOnlySpan<T> z = MemoryMarshal.Cast<byte, T>(logits.bytes);
            ReadOnlySpan<long> y = MemoryMarshal.Cast<byte, long>(labels.bytes);
            ReadOnlySpan<T> weights = alpha is null ? default : MemoryMarshal.Cast<byte, T>(alpha.bytes);
            var g = gradient is null ? default : MemoryMarshal.Cast<byte, T>(gradient.bytes);
            var losses = perSample is null ? default : MemoryMarshal.Cast<byte, T>(perSample.bytes);
            var betaT = T.CreateChecked(beta);
            for (var i = 0; i < n; i++)
            {
                var label = y[i];
                if ((ulong)label >= (ulong)c)
                {
                    throw new ArgumentOutOfRangeException(nameof(labels), label, $"labels must be in [0, {c}), got {label} at position {i}");
                }

                var row = z.Slice(i * c, c);
                var numerators = gradient is null ? scratch : g.Slice(i * c, c);
                var sum = Numerators(row, betaT, numerators, out var max);
                // 1 − p_t as the other classes' share, (sum − e_y)/sum, rather than −expm1(log p_t): no second
                // transcendental, and as precise, both being limited by the rounding of the sum.
                var labelNumerator = double.CreateChecked(numerators[(int)label]);
                var others = Math.Max(sum - labelNumerator, 0.0);
                var logPt = double.CreateChecked((betaT * row[(int)label]) - max) - Math.Log(sum);
                var ptMinusOne = -others / sum;
                var weight = weights.IsEmpty ? 1.0 : double.CreateChecked(weights[(int)label]);
                var negLogPt = -logPt;
                // gamma = 0 is cross-entropy exactly (no 0^0 question when p_t = 1).
                var focal = gamma == 0.0 ? 1.0 : Power(others / sum, gamma);
                var loss = weight * focal * negLogPt;
                if (perSample is null)
                {
                    total += loss;
                }
                else
                {
                    losses[i] = T.CreateChecked(loss);
                }

                if (gradient is null)
                {
                    continue;
                }

                // dl_i/dz_j = k_i (p_j − δ_{j,y_i}) with k_i = s·alpha·(1−p_t)^γ·(1 + γ·q), q = m / expm1(m), m = −log p_t
                // (the derivative of −(1−p)^γ log p, times beta). No negative power of (1 − p_t) appears, so k stays finite
                // for 0 < γ < 1 as p_t → 1. expm1(m) = (1 − p_t)/p_t = others / e_y; q → 1 as p_t → 1 and q → 0 as p_t → 0.
                // An infinite loss (e_y underflowed to 0) gives 0·∞ in q, and its row gets no gradient, as in the
                // libtorch path.
                var q = others > 0 ? negLogPt * labelNumerator / others : 1.0;
                var k = gamma == 0.0 ? scale * weight : scale * weight * focal * (1.0 + (gamma * q));
                if (double.IsNaN(k))
                {
                    k = 0.0;
                }

                Scale(numerators, T.CreateChecked(k / sum));
                numerators[(int)label] = T.CreateChecked(k * ptMinusOne);
            }
        }
        catch
        {
            gradient?.Dispose();
            perSample?.Dispose();
            throw;
        }

        GC.KeepAlive(logits);
        GC.KeepAlive(labels);
        GC.KeepAlive(alpha);
        var result = perSample ?? torch.tensor(reduction == Reduction.Mean && n > 0 ? total / n : total, dtype: logits.dtype);
        return (result, gradient);
    }

    /// <summary>
    /// Writes exp(beta·z_j − max) into <paramref name="numerators"/> and returns their sum, with max = beta·max_j z_j
    /// (beta &gt; 0), so that every numerator is at most 1 and the largest is exactly 1.
    /// </summary>
    /// <remarks>
    /// Vector loops compiled optimised at the first call: under tiered compilation, library span routines ran
    /// unoptimised for thousands of calls, at about ten times the cost.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Numerators<T>(ReadOnlySpan<T> row, T beta, Span<T> numerators, out T max)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref var source = ref MemoryMarshal.GetReference(row);
        ref var target = ref MemoryMarshal.GetReference(numerators);
        var c = row.Length;
        var width = Vector256<T>.Count;
        var vectors = Vector256.IsHardwareAccelerated ? c / width * width : 0;
        var largest = T.NegativeInfinity;
        var sum = T.Zero;
        if (vectors == 0)
        {
            for (var i = 0; i < c; i++)
            {
                largest = T.Max(largest, row[i]);
            }

            max = beta * largest;
            for (var i = 0; i < c; i++)
            {
                var e = T.Exp((row[i] * beta) - max);
                numerators[i] = e;
                sum += e;
            }

            return double.CreateChecked(sum);
        }

        // A row whose length is not a multiple of the width ends with one vector that overlaps the last full one, so
        // that no value goes through the scalar exp (about 10 ns each): the overlap is recomputed identically and
        // masked out of the sum.
        var last = c - width;
        var lanes = Vector256.LoadUnsafe(ref source, (nuint)last);
        for (var i = 0; i < vectors; i += width)
        {
            lanes = Vector256.MaxNative(lanes, Vector256.LoadUnsafe(ref source, (nuint)i));
        }

        for (var j = 0; j < width; j++)
        {
            largest = T.Max(largest, lanes.GetElement(j));
        }

        max = beta * largest;
        var scale = Vector256.Create(beta);
        var shift = Vector256.Create(max);
        var sums = Vector256<T>.Zero;
        for (var i = 0; i < vectors; i += width)
        {
            var e = VectorExp.NonPositive((Vector256.LoadUnsafe(ref source, (nuint)i) * scale) - shift);
            e.StoreUnsafe(ref target, (nuint)i);
            sums += e;
        }

        if (vectors < c)
        {
            var e = VectorExp.NonPositive((Vector256.LoadUnsafe(ref source, (nuint)last) * scale) - shift);
            e.StoreUnsafe(ref target, (nuint)last);
            var fresh = Vector256.GreaterThanOrEqual(Vector256.CreateSequence(T.CreateChecked(last), T.One), Vector256.Create(T.CreateChecked(vectors)));
            sums += Vector256.ConditionalSelect(fresh, e, Vector256<T>.Zero);
        }

        sum = Vector256.Sum(sums);
        return double.CreateChecked(sum);
    }

    /// <summary>Multiplies <paramref name="values"/> by <paramref name="factor"/> in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scale<T>(Span<T> values, T factor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref var start = ref MemoryMarshal.GetReference(values);
        var width = Vector256<T>.Count;
        var vectors = Vector256.IsHardwareAccelerated ? values.Length / width * width : 0;
        var factors = Vector256.Create(factor);
        for (var i = 0; i < vectors; i += width)
        {
            (Vector256.LoadUnsafe(ref start, (nuint)i) * factors).StoreUnsafe(ref start, (nuint)i);
        }

        for (var i = vectors; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }

    /// <summary>x^y for x in [0, 1]; small whole y (the usual focusing exponents 1–5) by multiplication.</summary>
    private static double Power(double x, double y) => y switch
    {
        1.0 => x,
        2.0 => x * x,
        3.0 => x * x * x,
        4.0 => x * x * (x * x),
        5.0 => x * x * (x * x) * x,
        _ => Math.Pow(x, y),
    };
}
