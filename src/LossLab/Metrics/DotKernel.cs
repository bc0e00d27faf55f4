using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LossLab.Metrics;

/// <summary>
/// The inner loop of k-means and nearest-neighbour search: dot products of <see cref="Rows"/>
/// query rows with one panel of <see cref="PackedRows"/>, accumulated in registers with fused
/// multiply-adds on <see cref="Vector{T}"/>. Why not a tensor matmul: libtorch's bundled MKL runs
/// this (B × D)·(D × N) shape several times slower than this kernel on AMD CPUs, and streaming
/// tiles lets callers reduce scores as they come instead of materialising N × N blocks.
/// </summary>
internal static class DotKernel
{
    /// <summary>Query rows per tile (6 rows × 2 vectors = 12 accumulators, within 16 AVX2 registers).</summary>
    public const int Rows = 6;

    /// <summary>
    /// tile[r * Width + c] = Σ_d queries[r * dim + d] · row c of the panel, for r &lt; Rows and
    /// c &lt; <see cref="PackedRows.Width"/>.
    /// </summary>
    /// <param name="queries">Rows × dim query values, row-major.</param>
    /// <param name="dim">Dimension D.</param>
    /// <param name="panel">One panel of a <see cref="PackedRows"/> (dim × Width).</param>
    /// <param name="tile">Rows × Width output.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(ReadOnlySpan<float> queries, int dim, ReadOnlySpan<float> panel, Span<float> tile)
    {
        var w = Vector<float>.Count;
        var width = 2 * w;
        if (queries.Length < Rows * dim || panel.Length < dim * width || tile.Length < Rows * width)
        {
            throw new ArgumentException("Tile buffers are too small.", nameof(tile));
        }

        ref var a0 = ref MemoryMarshal.GetReference(queries);
        ref var a1 = ref Unsafe.Add(ref a0, dim);
        ref var a2 = ref Unsafe.Add(ref a1, dim);
        ref var a3 = ref Unsafe.Add(ref a2, dim);
        ref var a4 = ref Unsafe.Add(ref a3, dim);
        ref var a5 = ref Unsafe.Add(ref a4, dim);
        ref var b = ref MemoryMarshal.GetReference(panel);
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (nint d = 0; d < dim; d++)
        {
            var b0 = Vector.LoadUnsafe(ref b, (nuint)(d * width));
            var b1 = Vector.LoadUnsafe(ref b, (nuint)((d * width) + w));
            var x = new Vector<float>(Unsafe.Add(ref a0, d));
            c00 = Vector.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector.FusedMultiplyAdd(x, b1, c01);
            x = new Vector<float>(Unsafe.Add(ref a1, d));
            c10 = Vector.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector.FusedMultiplyAdd(x, b1, c11);
            x = new Vector<float>(Unsafe.Add(ref a2, d));
            c20 = Vector.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector.FusedMultiplyAdd(x, b1, c21);
            x = new Vector<float>(Unsafe.Add(ref a3, d));
            c30 = Vector.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector.FusedMultiplyAdd(x, b1, c31);
            x = new Vector<float>(Unsafe.Add(ref a4, d));
            c40 = Vector.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector.FusedMultiplyAdd(x, b1, c41);
            x = new Vector<float>(Unsafe.Add(ref a5, d));
            c50 = Vector.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector.FusedMultiplyAdd(x, b1, c51);
        }

        ref var t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t, 0);
        c01.StoreUnsafe(ref t, (nuint)w);
        c10.StoreUnsafe(ref t, (nuint)width);
        c11.StoreUnsafe(ref t, (nuint)(width + w));
        c20.StoreUnsafe(ref t, (nuint)(2 * width));
        c21.StoreUnsafe(ref t, (nuint)((2 * width) + w));
        c30.StoreUnsafe(ref t, (nuint)(3 * width));
        c31.StoreUnsafe(ref t, (nuint)((3 * width) + w));
        c40.StoreUnsafe(ref t, (nuint)(4 * width));
        c41.StoreUnsafe(ref t, (nuint)((4 * width) + w));
        c50.StoreUnsafe(ref t, (nuint)(5 * width));
        c51.StoreUnsafe(ref t, (nuint)((5 * width) + w));
    }

    /// <summary>
    /// The query rows of group <paramref name="group"/> (rows group·Rows onwards) as a Rows × dim
    /// span: a slice of <paramref name="rows"/> when the group is full, else copied into
    /// <paramref name="padding"/> with zero rows after the last one.
    /// </summary>
    public static ReadOnlySpan<float> Group(ReadOnlySpan<float> rows, int count, int dim, int group, Span<float> padding)
    {
        var first = group * Rows;
        if (first + Rows <= count)
        {
            return rows.Slice(first * dim, Rows * dim);
        }

        padding.Clear();
        rows[(first * dim)..(count * dim)].CopyTo(padding);
        return padding[..(Rows * dim)];
    }

    /// <summary>Σ a_i b_i, vectorised.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var w = Vector<float>.Count;
        var sum = Vector<float>.Zero;
        var i = 0;
        for (; i + w <= a.Length; i += w)
        {
            sum = Vector.FusedMultiplyAdd(new Vector<float>(a[i..]), new Vector<float>(b[i..]), sum);
        }

        var total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }
}
