using LossLab.Metrics;

namespace LossLab.Tests.Metrics;

public sealed class DotKernelTests
{
    [Fact]
    public void Should_EqualASequentialFusedMultiplyAddChain_When_EitherKernelComputesATile()
    {
        // Given 6 query rows and 37 packed rows in 13 dimensions (a partial last panel at either width)
        var rng = new Random(3);
        const int dim = 13;
        var queries = Enumerable.Range(0, DotKernel.Rows * dim).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        var rows = Enumerable.Range(0, 37 * dim).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();

        foreach (var width in new[] { DotKernel.Width, DotKernel.PortableWidth })
        {
            // When each panel is multiplied by the fastest and by the portable kernel
            var packed = new PackedRows(rows, 37, dim, width);
            var tile = new float[DotKernel.Rows * width];
            for (var p = 0; p < packed.Panels; p++)
            {
                DotKernel.Tile(queries, dim, packed.Panel(p), width, tile);

                // Then every entry is bit for bit the fused multiply-add chain over d (zero on padding rows)
                for (var r = 0; r < DotKernel.Rows; r++)
                {
                    for (var c = 0; c < width; c++)
                    {
                        var j = (p * width) + c;
                        var expected = 0f;
                        for (var d = 0; d < dim && j < 37; d++)
                        {
                            expected = MathF.FusedMultiplyAdd(queries[(r * dim) + d], rows[(j * dim) + d], expected);
                        }

                        Assert.Equal(expected, tile[(r * width) + c]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Should_FlagATileExactlyWhenAScoreReachesItsBound_When_Screening()
    {
        // Given one panel of candidates, their tile of dot products and the scores of both directions
        var rng = new Random(8);
        const int dim = 16;
        foreach (var width in new[] { DotKernel.Width, DotKernel.PortableWidth })
        {
            var queries = Enumerable.Range(0, DotKernel.Rows * dim).Select(_ => (float)rng.NextDouble()).ToArray();
            var rows = Enumerable.Range(0, width * dim).Select(_ => (float)rng.NextDouble()).ToArray();
            var packed = new PackedRows(rows, width, dim, width);
            var queryNorms = Enumerable.Range(0, DotKernel.Rows).Select(r => DotKernel.Dot(queries.AsSpan(r * dim, dim), queries.AsSpan(r * dim, dim))).ToArray();
            var dots = new float[DotKernel.Rows * width];
            DotKernel.Tile(queries, dim, packed.Panel(0), width, dots);
            var rowScores = dots.Select((dot, i) => (2f * dot) - packed.SquaredNorms[i % width]).ToArray();
            var columnScores = dots.Select((dot, i) => (2f * dot) - queryNorms[i / width]).ToArray();
            var unreachableRows = Enumerable.Range(0, DotKernel.Rows).Select(r => MathF.BitIncrement(rowScores.Skip(r * width).Take(width).Max())).ToArray();
            var unreachableColumns = Enumerable.Range(0, width).Select(c => MathF.BitIncrement(Enumerable.Range(0, DotKernel.Rows).Max(r => columnScores[(r * width) + c]))).ToArray();
            var infinite = Enumerable.Repeat(float.PositiveInfinity, Math.Max(width, DotKernel.Rows)).ToArray();
            var tile = new float[DotKernel.Rows * width];

            // When the bounds sit just above every score, then one row's bound on that row's best score, then one column's on its best
            var none = DotKernel.TileAbove(queries, dim, packed.Panel(0), width, unreachableRows, queryNorms, packed.PanelNorms(0), unreachableColumns, tile);
            var rowBounds = (float[])unreachableRows.Clone();
            rowBounds[4] = MathF.BitDecrement(unreachableRows[4]);
            var rowTie = DotKernel.TileAbove(queries, dim, packed.Panel(0), width, rowBounds, queryNorms, packed.PanelNorms(0), infinite, tile);
            var rowTile = (float[])tile.Clone();
            Array.Clear(tile);
            var columnBounds = (float[])unreachableColumns.Clone();
            columnBounds[width - 1] = MathF.BitDecrement(unreachableColumns[width - 1]);
            var columnTie = DotKernel.TileAbove(queries, dim, packed.Panel(0), width, infinite, queryNorms, packed.PanelNorms(0), columnBounds, tile);

            // Then only the equal scores flag the tile, and a flagged tile holds the dot products
            Assert.False(none);
            Assert.True(rowTie);
            Assert.True(columnTie);
            Assert.Equal(dots, rowTile);
            Assert.Equal(dots, tile);
        }
    }
}
