using System.Runtime.CompilerServices;

namespace LossLab.Metrics;

/// <summary>
/// A row-major (count × dim) float matrix re-laid out for <see cref="DotKernel"/>: panels of
/// <see cref="Width"/> rows stored dimension-major (<c>[panel][d][lane]</c>), so one vector load
/// reads coordinate d of consecutive rows. Rows past <c>count</c> in the last panel are zero with squared norm +∞, so they never win a nearest-neighbour or nearest-centre search.
/// </summary>
internal sealed class PackedRows
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PackedRows(ReadOnlySpan<float> rows, int count, int dim, int width = 0)
    {
        width = width == 0 ? DotKernel.Width : width;
        if (!DotKernel.Supports(width))
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"No kernel for panels {width} wide on this CPU.");
        }

        Width = width;
        Count = count;
        Dim = dim;
        Panels = (count + Width - 1) / Width;
        Values = new float[(long)Panels * dim * Width];
        SquaredNorms = new float[Panels * Width];
        Array.Fill(SquaredNorms, float.PositiveInfinity);
        for (var j = 0; j < count; j++)
        {
            var row = rows.Slice(j * dim, dim);
            var panelStart = (j / Width) * dim * Width;
            var lane = j % Width;
            for (var d = 0; d < dim; d++)
            {
                Values[panelStart + (d * Width) + lane] = row[d];
            }

            SquaredNorms[j] = DotKernel.Dot(row, row);
        }
    }

    /// <summary>Rows per panel: <see cref="DotKernel.Width"/> by default, or <see cref="DotKernel.PortableWidth"/>.</summary>
    public int Width { get; }

    public int Count { get; }

    public int Dim { get; }

    public int Panels { get; }

    public float[] Values { get; }

    /// <summary>Squared norm of each row, +∞ for padding; Panels × Width entries.</summary>
    public float[] SquaredNorms { get; }

    public ReadOnlySpan<float> Panel(int p) => Values.AsSpan(p * Dim * Width, Dim * Width);

    public ReadOnlySpan<float> PanelNorms(int p) => SquaredNorms.AsSpan(p * Width, Width);
}
