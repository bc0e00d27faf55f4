using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace LossLab.Losses.Mining;

/// <summary>
/// The miners of <see cref="SemiHardMiner"/>, <see cref="BatchHardMiner"/> and <see cref="DistanceWeightedSampler"/>
/// over an (N, N) distance matrix in managed memory, one row at a time. On the CPU a batch of 256 needs a few hundred
/// microseconds of (N, N) libtorch calls (masks, cumulative sums, searches) for work that a row loop over the buffer
/// does in a fraction of it; the draws come from one <see cref="SplitMix64"/> stream.
/// </summary>
/// <remarks>
/// Results are per row: <c>positives[i]</c> and <c>negatives[i]</c>, or −1 in both for a row that is skipped (no
/// other sample of its class, or no candidate negative). Distances are row-major, entry (i, j) at i·N + j.
/// </remarks>
internal static class RowMining
{
    // Relative weights below e^-80 are raised to it, as in DistanceWeightedSampler: no denormal number reaches exp.
    private const double MinLogWeight = -80;

    /// <summary>Semi-hard mining: a random positive, then a random negative with d_ap &lt; d_an &lt; d_ap + margin, else any negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SemiHard<T>(
        ReadOnlySpan<T> distances, in ClassLayout classes, double margin, ref SplitMix64 random, Span<int> positives, Span<int> negatives)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = classes.Length;
        var row = Scratch<T>.Get(0, n);
        var width = T.CreateChecked(margin);
        for (var i = 0; i < n; i++)
        {
            var p = classes.RandomPositive(i, ref random);
            if (p < 0 || classes.Count[i] == n)
            {
                Skip(i, positives, negatives);
                continue;
            }

            var d = distances.Slice(i * n, n);
            // The anchor's own class can never fall in the window once it lies at −∞.
            d.CopyTo(row);
            foreach (var j in classes.Class(i))
            {
                row[j] = T.NegativeInfinity;
            }

            var low = d[p];
            var high = low + width;
            var count = CountBetween(row, low, high);
            positives[i] = p;
            negatives[i] = count > 0 ? KthBetween(row, low, high, random.Below(count)) : classes.RandomOther(i, ref random);
        }
    }

    /// <summary>Batch-hard mining: the farthest positive (the first on ties) and the nearest negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchHard<T>(ReadOnlySpan<T> distances, in ClassLayout classes, Span<int> positives, Span<int> negatives)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = classes.Length;
        var row = Scratch<T>.Get(0, n);
        for (var i = 0; i < n; i++)
        {
            if (classes.Count[i] < 2 || classes.Count[i] == n)
            {
                Skip(i, positives, negatives);
                continue;
            }

            var d = distances.Slice(i * n, n);
            var p = -1;
            foreach (var j in classes.Class(i))
            {
                if (j != i && (p < 0 || d[j] > d[p]))
                {
                    p = j;
                }
            }

            d.CopyTo(row);
            foreach (var j in classes.Class(i))
            {
                row[j] = T.PositiveInfinity;
            }

            positives[i] = p;
            negatives[i] = TensorPrimitives.IndexOfMin<T>(row);
        }
    }

    /// <summary>
    /// Distance-weighted sampling: a random positive and a negative drawn with the weights of
    /// <see cref="DistanceWeightedSampler"/> (computed the same way, per row).
    /// </summary>
    /// <param name="squared">(N, N) squared distances between L2-normalised embeddings.</param>
    /// <param name="classes">The batch's class layout.</param>
    /// <param name="dimension">Embedding dimension n.</param>
    /// <param name="cutoff">Upper distance cutoff, or null for none.</param>
    /// <param name="random">The draws.</param>
    /// <param name="positives">Per row, the positive.</param>
    /// <param name="negatives">Per row, the negative.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DistanceWeighted<T>(
        ReadOnlySpan<T> squared, in ClassLayout classes, int dimension, double? cutoff, ref SplitMix64 random,
        Span<int> positives, Span<int> negatives)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = classes.Length;
        var w = Scratch<T>.Get(0, n);
        var limit = cutoff is { } c ? T.CreateChecked(c * c) : T.PositiveInfinity;
        for (var i = 0; i < n; i++)
        {
            var p = classes.RandomPositive(i, ref random);
            var negative = -1;
            if (p >= 0 && NegativeWeights(squared.Slice(i * n, n), classes.Class(i), dimension, limit, w))
            {
                negative = InverseCdf<T>(w, random.NextUnit());
            }

            if (negative < 0)
            {
                Skip(i, positives, negatives);
                continue;
            }

            positives[i] = p;
            negatives[i] = negative;
        }
    }

    /// <summary>
    /// One row's unnormalised negative weights into <paramref name="weights"/>: between 1/2 and 2 for the most likely
    /// candidate on the unit sphere, 0 off the candidates (own class, at or beyond the squared cutoff
    /// <paramref name="limit"/>).
    /// </summary>
    /// <returns>Whether the row has a candidate.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool NegativeWeights<T>(ReadOnlySpan<T> squared, ReadOnlySpan<int> ownClass, int dimension, T limit, Span<T> weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // log w = b·log(q·(1 − q/4)) − ½·log q with q = max(d², 1/4) and b = −(n − 3)/2 (see DistanceWeightedSampler);
        // two passes over the row: the exponents b·log(…) (non-candidates at −Excluded), then the weights.
        var excluded = T.CreateChecked(-MiningMasks.Excluded);
        var b = T.CreateChecked(-(dimension - 3) / 2.0);
        var lowest = T.CreateChecked(DistanceWeightedSampler.LowerClamp * DistanceWeightedSampler.LowerClamp);
        var minimum = T.CreateChecked(DistanceWeightedSampler.MinSphereTerm);
        var quarter = T.CreateChecked(0.25);
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var source = ref MemoryMarshal.GetReference(squared);
            ref var target = ref MemoryMarshal.GetReference(weights);
            for (; j <= squared.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var d = Vector256.LoadUnsafe(ref source, (nuint)j);
                var q = Vector256.Max(d, Vector256.Create(lowest));
                var sphere = Vector256.Max(q - (q * q * Vector256.Create(quarter)), Vector256.Create(minimum));
                var exponent = Log(sphere) * Vector256.Create(b);
                Vector256.ConditionalSelect(Vector256.LessThan(d, Vector256.Create(limit)), exponent, Vector256.Create(excluded)).StoreUnsafe(ref target, (nuint)j);
            }
        }

        for (; j < squared.Length; j++)
        {
            var q = T.Max(squared[j], lowest);
            weights[j] = squared[j] < limit ? T.Log(T.Max(q - (q * q * quarter), minimum)) * b : excluded;
        }

        foreach (var k in ownClass)
        {
            weights[k] = excluded;
        }

        var max = TensorPrimitives.Max<T>(weights);
        if (!(max > excluded))
        {
            return false;
        }

        // Subtracting the candidates' maximum leaves the likeliest weight at 1/√q ≥ 1/2: a row never underflows to
        // zeros. Relative weights below e^-80 are raised to it (no denormal number reaches exp); non-candidates get 0.
        var floor = T.CreateChecked(MinLogWeight);
        var candidate = excluded / (T.One + T.One);
        j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var source = ref MemoryMarshal.GetReference(squared);
            ref var target = ref MemoryMarshal.GetReference(weights);
            for (; j <= squared.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var exponent = Vector256.LoadUnsafe(ref target, (nuint)j);
                var q = Vector256.Max(Vector256.LoadUnsafe(ref source, (nuint)j), Vector256.Create(lowest));
                var weight = VectorExp.NonPositive(Vector256.Max(exponent - Vector256.Create(max), Vector256.Create(floor))) / Vector256.Sqrt(q);
                Vector256.ConditionalSelect(Vector256.GreaterThan(exponent, Vector256.Create(candidate)), weight, Vector256<T>.Zero)
                    .StoreUnsafe(ref target, (nuint)j);
            }
        }

        for (; j < squared.Length; j++)
        {
            var q = T.Max(squared[j], lowest);
            weights[j] = weights[j] > candidate ? T.Exp(T.Max(weights[j] - max, floor)) / T.Sqrt(q) : T.Zero;
        }

        return true;
    }

    /// <summary>
    /// The column of non-negative <paramref name="weights"/> (not all zero) drawn by the uniform <paramref name="u"/>
    /// in [0, 1): column j when cdf_{j−1} ≤ t &lt; cdf_j with t = u·total, so a zero weight never is; should rounding
    /// put t at the total, the last positive weight is taken.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int InverseCdf<T>(ReadOnlySpan<T> weights, double u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var threshold = u * double.CreateChecked(TensorPrimitives.Sum<T>(weights));
        var cumulative = 0.0;
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Whole vectors are skipped by their sums until the one where the threshold is crossed.
            ref var start = ref MemoryMarshal.GetReference(weights);
            for (; j <= weights.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var block = double.CreateChecked(Vector256.Sum(Vector256.LoadUnsafe(ref start, (nuint)j)));
                if (cumulative + block > threshold)
                {
                    break;
                }

                cumulative += block;
            }
        }

        for (; j < weights.Length; j++)
        {
            cumulative += double.CreateChecked(weights[j]);
            if (cumulative > threshold && weights[j] > T.Zero)
            {
                return j;
            }
        }

        for (j = weights.Length - 1; j >= 0; j--)
        {
            if (weights[j] > T.Zero)
            {
                return j;
            }
        }

        return -1;
    }

    private static Vector256<T> Log<T>(Vector256<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Vector256.Log(x.As<T, float>()).As<float, T>() : Vector256.Log(x.As<T, double>()).As<double, T>();

    private static void Skip(int i, Span<int> positives, Span<int> negatives)
    {
        positives[i] = -1;
        negatives[i] = -1;
    }

    /// <summary>How many entries lie strictly between <paramref name="low"/> and <paramref name="high"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CountBetween<T>(ReadOnlySpan<T> values, T low, T high)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var count = 0;
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(values);
            var (lo, hi) = (Vector256.Create(low), Vector256.Create(high));
            for (; j <= values.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)j);
                count += BitOperations.PopCount((Vector256.GreaterThan(v, lo) & Vector256.LessThan(v, hi)).ExtractMostSignificantBits());
            }
        }

        for (; j < values.Length; j++)
        {
            if (values[j] > low && values[j] < high)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The index of the <paramref name="k"/>-th (from 0) entry strictly between the bounds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int KthBetween<T>(ReadOnlySpan<T> values, T low, T high, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(values);
            var (lo, hi) = (Vector256.Create(low), Vector256.Create(high));
            for (; j <= values.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)j);
                var bits = (Vector256.GreaterThan(v, lo) & Vector256.LessThan(v, hi)).ExtractMostSignificantBits();
                var count = BitOperations.PopCount(bits);
                if (k < count)
                {
                    for (; k > 0; k--)
                    {
                        bits &= bits - 1;
                    }

                    return j + BitOperations.TrailingZeroCount(bits);
                }

                k -= count;
            }
        }

        for (; j < values.Length; j++)
        {
            if (values[j] > low && values[j] < high && k-- == 0)
            {
                return j;
            }
        }

        throw new InvalidOperationException("fewer entries in the window than counted");
    }
}
