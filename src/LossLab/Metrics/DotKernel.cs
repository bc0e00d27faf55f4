using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LossLab.Metrics;

/// <summary>
/// The inner loop of k-means and nearest-neighbour search: dot products of <see cref="Rows"/>
/// query rows with one panel of <see cref="PackedRows"/> (two vectors wide), accumulated in
/// registers with fused multiply-adds. Where 512-bit vectors are accelerated (AVX-512) the panel
/// is 2 × 16 rows and runs about twice as fast as the portable <see cref="Vector{T}"/> kernel
/// (2 × 8 rows with AVX2); both compute every dot product as the same chain of fused
/// multiply-adds over d, so they agree bit for bit. Why not a tensor matmul: libtorch's bundled
/// MKL runs this (B × D)·(D × N) shape several times slower than this kernel on AMD CPUs, and
/// streaming tiles lets callers reduce scores as they come instead of materialising N × N blocks.
/// </summary>
internal static class DotKernel
{
    /// <summary>Query rows per tile (6 rows × 2 vectors = 12 accumulators, within 16 AVX2 registers).</summary>
    public const int Rows = 6;

    /// <summary>Panel width of the fastest kernel on this CPU.</summary>
    public static int Width { get; } = Vector512.IsHardwareAccelerated ? 2 * Vector512<float>.Count : PortableWidth;

    /// <summary>Panel width of the portable <see cref="Vector{T}"/> kernel, usable on any CPU.</summary>
    public static int PortableWidth => 2 * Vector<float>.Count;

    /// <summary>Whether <paramref name="width"/> is the panel width of a kernel this CPU runs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Supports(int width) => width == Width || width == PortableWidth;

    /// <summary>
    /// tile[r * width + c] = Σ_d queries[r * dim + d] · row c of the panel, for r &lt; Rows and c &lt; width.
    /// </summary>
    /// <param name="queries">Rows × dim query values, row-major.</param>
    /// <param name="dim">Dimension D.</param>
    /// <param name="panel">One panel of a <see cref="PackedRows"/> (dim × width).</param>
    /// <param name="width">The panel width, <see cref="Width"/> or <see cref="PortableWidth"/>.</param>
    /// <param name="tile">Rows × width output.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(ReadOnlySpan<float> queries, int dim, ReadOnlySpan<float> panel, int width, Span<float> tile)
    {
        CheckSizes(queries, dim, panel, width, tile);
        if (width == PortableWidth)
        {
            Portable(queries, dim, panel, tile, false, default, default, default, default);
        }
        else
        {
            Wide(queries, dim, panel, tile, false, default, default, default, default);
        }
    }

    /// <summary>
    /// The tile of <see cref="Tile"/>, written only if some score in it reaches a bound: the
    /// nearest-neighbour score of candidate c for query r, 2q_r·x_c − ‖x_c‖², is at least
    /// <paramref name="rowBounds"/>[r], or that of query r as a candidate for c, 2q_r·x_c − ‖q_r‖²,
    /// is at least <paramref name="columnBounds"/>[c]. The test runs on the accumulators, so the
    /// common case of a tile with nothing to offer costs no stores and no scalar pass. Scores are
    /// rounded exactly as a scalar 2f * dot − norm, so a score that reaches its bound is never missed.
    /// </summary>
    /// <param name="queries">Rows × dim query values, row-major.</param>
    /// <param name="dim">Dimension D.</param>
    /// <param name="panel">One panel of a <see cref="PackedRows"/> (dim × width).</param>
    /// <param name="width">The panel width, <see cref="Width"/> or <see cref="PortableWidth"/>.</param>
    /// <param name="rowBounds">Rows bounds of the query rows (+∞: no test).</param>
    /// <param name="queryNorms">Rows squared norms of the query rows (+∞ for padding rows).</param>
    /// <param name="panelNorms">width squared norms of the panel rows (+∞ for padding).</param>
    /// <param name="columnBounds">width bounds of the panel rows as queries (+∞: no test).</param>
    /// <param name="tile">Rows × width output, written only when the method returns true.</param>
    /// <returns>Whether some score reaches its bound (and the tile was written).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TileAbove(
        ReadOnlySpan<float> queries,
        int dim,
        ReadOnlySpan<float> panel,
        int width,
        ReadOnlySpan<float> rowBounds,
        ReadOnlySpan<float> queryNorms,
        ReadOnlySpan<float> panelNorms,
        ReadOnlySpan<float> columnBounds,
        Span<float> tile)
    {
        CheckSizes(queries, dim, panel, width, tile);
        if (rowBounds.Length < Rows || queryNorms.Length < Rows || panelNorms.Length < width || columnBounds.Length < width)
        {
            throw new ArgumentException("Tile bounds are too small.", nameof(rowBounds));
        }

        return width == PortableWidth
            ? Portable(queries, dim, panel, tile, true, rowBounds, queryNorms, panelNorms, columnBounds)
            : Wide(queries, dim, panel, tile, true, rowBounds, queryNorms, panelNorms, columnBounds);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckSizes(ReadOnlySpan<float> queries, int dim, ReadOnlySpan<float> panel, int width, Span<float> tile)
    {
        if (!Supports(width))
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"No kernel for panels {width} wide on this CPU.");
        }

        if (queries.Length < Rows * dim || panel.Length < dim * width || tile.Length < Rows * width)
        {
            throw new ArgumentException("Tile buffers are too small.", nameof(tile));
        }
    }

    // 6 × 32 tile on 512-bit vectors; sizes checked by the caller.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Wide(
        ReadOnlySpan<float> queries,
        int dim,
        ReadOnlySpan<float> panel,
        Span<float> tile,
        bool screen,
        ReadOnlySpan<float> rowBounds,
        ReadOnlySpan<float> queryNorms,
        ReadOnlySpan<float> panelNorms,
        ReadOnlySpan<float> columnBounds)
    {
        const int w = 16;
        const int width = 2 * w;
        ref var a0 = ref MemoryMarshal.GetReference(queries);
        ref var a1 = ref Unsafe.Add(ref a0, dim);
        ref var a2 = ref Unsafe.Add(ref a1, dim);
        ref var a3 = ref Unsafe.Add(ref a2, dim);
        ref var a4 = ref Unsafe.Add(ref a3, dim);
        ref var a5 = ref Unsafe.Add(ref a4, dim);
        ref var b = ref MemoryMarshal.GetReference(panel);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (nint d = 0; d < dim; d++)
        {
            var b0 = Vector512.LoadUnsafe(ref b, (nuint)(d * width));
            var b1 = Vector512.LoadUnsafe(ref b, (nuint)((d * width) + w));
            var x = Vector512.Create(Unsafe.Add(ref a0, d));
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref a1, d));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref a2, d));
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref a3, d));
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(Unsafe.Add(ref a4, d));
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(Unsafe.Add(ref a5, d));
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
        }

        if (screen)
        {
            ref var pn = ref MemoryMarshal.GetReference(panelNorms);
            ref var cb = ref MemoryMarshal.GetReference(columnBounds);
            ref var rb = ref MemoryMarshal.GetReference(rowBounds);
            ref var qn = ref MemoryMarshal.GetReference(queryNorms);
            var n0 = Vector512.LoadUnsafe(ref pn);
            var n1 = Vector512.LoadUnsafe(ref pn, w);
            var k0 = Vector512.LoadUnsafe(ref cb);
            var k1 = Vector512.LoadUnsafe(ref cb, w);
            var hit = Beats(c00, c01, rb, qn, n0, n1, k0, k1)
                | Beats(c10, c11, Unsafe.Add(ref rb, 1), Unsafe.Add(ref qn, 1), n0, n1, k0, k1)
                | Beats(c20, c21, Unsafe.Add(ref rb, 2), Unsafe.Add(ref qn, 2), n0, n1, k0, k1)
                | Beats(c30, c31, Unsafe.Add(ref rb, 3), Unsafe.Add(ref qn, 3), n0, n1, k0, k1)
                | Beats(c40, c41, Unsafe.Add(ref rb, 4), Unsafe.Add(ref qn, 4), n0, n1, k0, k1)
                | Beats(c50, c51, Unsafe.Add(ref rb, 5), Unsafe.Add(ref qn, 5), n0, n1, k0, k1);
            if (Vector512.ExtractMostSignificantBits(hit) == 0)
            {
                return false;
            }
        }

        ref var t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t, 0);
        c01.StoreUnsafe(ref t, w);
        c10.StoreUnsafe(ref t, width);
        c11.StoreUnsafe(ref t, width + w);
        c20.StoreUnsafe(ref t, 2 * width);
        c21.StoreUnsafe(ref t, (2 * width) + w);
        c30.StoreUnsafe(ref t, 3 * width);
        c31.StoreUnsafe(ref t, (3 * width) + w);
        c40.StoreUnsafe(ref t, 4 * width);
        c41.StoreUnsafe(ref t, (4 * width) + w);
        c50.StoreUnsafe(ref t, 5 * width);
        c51.StoreUnsafe(ref t, (5 * width) + w);
        return true;
    }

    // Lanes where one row's scores reach a bound (see TileAbove); x + x is 2f * x exactly.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Beats(
        Vector512<float> dots0,
        Vector512<float> dots1,
        float rowBound,
        float queryNorm,
        Vector512<float> norms0,
        Vector512<float> norms1,
        Vector512<float> bounds0,
        Vector512<float> bounds1)
    {
        var twice0 = dots0 + dots0;
        var twice1 = dots1 + dots1;
        var row = Vector512.Create(rowBound);
        var query = Vector512.Create(queryNorm);
        return Vector512.GreaterThanOrEqual(twice0 - norms0, row)
            | Vector512.GreaterThanOrEqual(twice1 - norms1, row)
            | Vector512.GreaterThanOrEqual(twice0 - query, bounds0)
            | Vector512.GreaterThanOrEqual(twice1 - query, bounds1);
    }

    // 6 × (2 × Vector<float>.Count) tile; sizes checked by the caller.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Portable(
        ReadOnlySpan<float> queries,
        int dim,
        ReadOnlySpan<float> panel,
        Span<float> tile,
        bool screen,
        ReadOnlySpan<float> rowBounds,
        ReadOnlySpan<float> queryNorms,
        ReadOnlySpan<float> panelNorms,
        ReadOnlySpan<float> columnBounds)
    {
        var w = Vector<float>.Count;
        var width = 2 * w;
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

        if (screen)
        {
            ref var pn = ref MemoryMarshal.GetReference(panelNorms);
            ref var cb = ref MemoryMarshal.GetReference(columnBounds);
            ref var rb = ref MemoryMarshal.GetReference(rowBounds);
            ref var qn = ref MemoryMarshal.GetReference(queryNorms);
            var n0 = Vector.LoadUnsafe(ref pn);
            var n1 = Vector.LoadUnsafe(ref pn, (nuint)w);
            var k0 = Vector.LoadUnsafe(ref cb);
            var k1 = Vector.LoadUnsafe(ref cb, (nuint)w);
            var hit = Beats(c00, c01, rb, qn, n0, n1, k0, k1)
                | Beats(c10, c11, Unsafe.Add(ref rb, 1), Unsafe.Add(ref qn, 1), n0, n1, k0, k1)
                | Beats(c20, c21, Unsafe.Add(ref rb, 2), Unsafe.Add(ref qn, 2), n0, n1, k0, k1)
                | Beats(c30, c31, Unsafe.Add(ref rb, 3), Unsafe.Add(ref qn, 3), n0, n1, k0, k1)
                | Beats(c40, c41, Unsafe.Add(ref rb, 4), Unsafe.Add(ref qn, 4), n0, n1, k0, k1)
                | Beats(c50, c51, Unsafe.Add(ref rb, 5), Unsafe.Add(ref qn, 5), n0, n1, k0, k1);
            if (hit == Vector<int>.Zero)
            {
                return false;
            }
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
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<int> Beats(
        Vector<float> dots0,
        Vector<float> dots1,
        float rowBound,
        float queryNorm,
        Vector<float> norms0,
        Vector<float> norms1,
        Vector<float> bounds0,
        Vector<float> bounds1)
    {
        var twice0 = dots0 + dots0;
        var twice1 = dots1 + dots1;
        var row = new Vector<float>(rowBound);
        var query = new Vector<float>(queryNorm);
        return Vector.GreaterThanOrEqual(twice0 - norms0, row)
            | Vector.GreaterThanOrEqual(twice1 - norms1, row)
            | Vector.GreaterThanOrEqual(twice0 - query, bounds0)
            | Vector.GreaterThanOrEqual(twice1 - query, bounds1);
    }

    /// <summary>
    /// The query rows of group <paramref name="group"/> (rows group·Rows onwards) as a Rows × dim
    /// span: a slice of <paramref name="rows"/> when the group is full, else copied into
    /// <paramref name="padding"/> with zero rows after the last one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
