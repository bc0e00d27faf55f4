using System.Numerics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>
/// Leave-one-out Recall@K (SPEC §5): the fraction of points whose K nearest other points, by
/// Euclidean distance, include at least one of the same class. Exact brute force, but never
/// materialises the N × N distances: each worker streams tiles of query-to-point scores through
/// running top-K lists, so memory is O(N·(D + K)) for any N. Runs on the CPU in float32
/// on <c>torch.get_num_threads()</c> threads; the result does not depend on the thread count.
/// </summary>
public static class RecallAtK
{
    // Block size in units of DotKernel.Rows × PackedRows.Width rows: 480 rows with AVX2, whose
    // queries and packed candidates (~250 KB each at D = 128) stay in L2 while a pair is scored.
    private const int DefaultBlockUnits = 5;

    /// <summary>The K of the metric-learning protocol: 1, 2, 4, 8.</summary>
    public static IReadOnlyList<int> DefaultKs { get; } = [1, 2, 4, 8];

    /// <summary>Computes Recall@K for each of <paramref name="ks"/>.</summary>
    /// <param name="embeddings">(N, D) floating-point points, N ≥ 2. For the protocol, pass L2-normalised embeddings (nearest = largest cosine similarity).</param>
    /// <param name="labels">(N) integer classes.</param>
    /// <param name="ks">Neighbourhood sizes, each ≥ 1; a K above N − 1 uses all N − 1 other points.</param>
    /// <returns>Recall@K in the order of <paramref name="ks"/>.</returns>
    public static double[] Compute(Tensor embeddings, Tensor labels, IReadOnlyList<int> ks)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(labels);
        var (points, n, dim) = HostCopy.Matrix(embeddings, nameof(embeddings));
        var classes = HostCopy.Labels(labels, n, nameof(labels));
        return Compute(points, n, dim, classes, ks, torch.get_num_threads());
    }

    /// <summary>Recall@K of row-major (n × dim) points; see the public overload.</summary>
    internal static double[] Compute(
        float[] points,
        int n,
        int dim,
        ReadOnlySpan<long> labels,
        IReadOnlyList<int> ks,
        int threads,
        int blockRows = 0)
    {
        ArgumentNullException.ThrowIfNull(ks);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        if (ks.Count == 0 || ks.Any(k => k < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ks), $"Expected one or more K ≥ 1, got [{string.Join(", ", ks)}].");
        }

        var neighbours = Math.Min(ks.Max(), n - 1);
        var nearest = Nearest(points, n, dim, neighbours, threads, blockRows);

        // hits[j]: queries whose first same-class neighbour has rank j (0-based).
        var hits = new long[neighbours];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < neighbours; j++)
            {
                if (labels[nearest[(i * neighbours) + j]] == labels[i])
                {
                    hits[j]++;
                    break;
                }
            }
        }

        var cumulative = new long[neighbours];
        long running = 0;
        for (var j = 0; j < neighbours; j++)
        {
            running += hits[j];
            cumulative[j] = running;
        }

        return [.. ks.Select(k => cumulative[Math.Min(k, neighbours) - 1] / (double)n)];
    }

    /// <summary>
    /// Indices of the <paramref name="neighbours"/> nearest other points of every point, nearest
    /// first (n × neighbours, row-major); equal distances keep the lower index first.
    /// </summary>
    /// <remarks>
    /// The points are cut into blocks of <paramref name="blockRows"/> rows and each pair of blocks
    /// (a ≤ b) is scored once: a tile of dot products q·x serves the queries of block a (candidates
    /// from b) and the queries of block b (candidates from a), halving the arithmetic. Each pair
    /// keeps its own top-K lists, merged into the global ones under the block's lock; ranking by
    /// (score descending, index ascending) makes the merged result independent of the order.
    /// </remarks>
    internal static int[] Nearest(float[] points, int n, int dim, int neighbours, int threads, int blockRows = 0)
    {
        var packed = new PackedRows(points, n, dim);
        var unit = DotKernel.Rows * PackedRows.Width;
        blockRows = blockRows <= 0 ? DefaultBlockUnits * unit : ((blockRows + unit - 1) / unit) * unit;
        var blocks = (n + blockRows - 1) / blockRows;
        var pairs = new List<(int A, int B)>();
        for (var a = 0; a < blocks; a++)
        {
            for (var b = a; b < blocks; b++)
            {
                pairs.Add((a, b));
            }
        }

        var scores = new float[n * neighbours];
        var indices = new int[n * neighbours];
        Array.Fill(scores, float.NegativeInfinity);
        Array.Fill(indices, int.MaxValue);
        var locks = Enumerable.Range(0, blocks).Select(_ => new object()).ToArray();
        Parallel.For(
            0,
            pairs.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            () => new PairScratch(blockRows, neighbours, dim),
            (pair, _, scratch) =>
            {
                var (a, b) = pairs[pair];
                ScorePair(points, packed, n, dim, a * blockRows, Math.Min(n, (a + 1) * blockRows), b * blockRows, Math.Min(n, (b + 1) * blockRows), scores, scratch);
                lock (locks[a])
                {
                    Merge(scratch.RowScores, scratch.RowIndices, scores, indices, a * blockRows, Math.Min(n, (a + 1) * blockRows), neighbours);
                }

                if (a != b)
                {
                    lock (locks[b])
                    {
                        Merge(scratch.ColumnScores, scratch.ColumnIndices, scores, indices, b * blockRows, Math.Min(n, (b + 1) * blockRows), neighbours);
                    }
                }

                return scratch;
            },
            _ => { });

        return indices;
    }

    // Top-K of the queries in [rowStart, rowEnd) among candidates [columnStart, columnEnd), and,
    // off the diagonal, of the queries in [columnStart, columnEnd) among [rowStart, rowEnd).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScorePair(float[] points, PackedRows packed, int n, int dim, int rowStart, int rowEnd, int columnStart, int columnEnd, float[] globalScores, PairScratch scratch)
    {
        var width = PackedRows.Width;
        var k = scratch.Neighbours;
        var diagonal = rowStart == columnStart;
        scratch.Reset(globalScores, rowStart, rowEnd, diagonal ? columnEnd : columnStart, columnEnd);
        var tile = scratch.Tile;
        var norms = packed.SquaredNorms;
        var w = Vector<float>.Count;
        for (var p = columnStart / width; p * width < columnEnd; p++)
        {
            var panel = packed.Panel(p);
            var panelNorms = packed.PanelNorms(p);
            var firstColumn = p * width;
            for (var group = rowStart / DotKernel.Rows; group * DotKernel.Rows < rowEnd; group++)
            {
                DotKernel.Tile(DotKernel.Group(points, n, dim, group, scratch.Padding), dim, panel, tile);
                var rows = Math.Min(DotKernel.Rows, rowEnd - (group * DotKernel.Rows));
                if (!diagonal)
                {
                    // Column queries x_j see row candidates q_i with score 2q·x − ‖q‖².
                    var columns = Math.Min(width, columnEnd - firstColumn);
                    var local = firstColumn - columnStart;
                    var worst = scratch.ColumnWorst.AsSpan(local, width);
                    for (var r = 0; r < rows; r++)
                    {
                        var query = (group * DotKernel.Rows) + r;
                        var norm = new Vector<float>(norms[query]);
                        var dots = tile.AsSpan(r * width, width);
                        var any = false;
                        for (var c = 0; c < width; c += w)
                        {
                            any |= Vector.GreaterThanAny((new Vector<float>(dots[c..]) * 2f) - norm, new Vector<float>(worst[c..]));
                        }

                        if (any)
                        {
                            for (var c = 0; c < columns; c++)
                            {
                                var score = (2f * dots[c]) - norms[query];
                                if (score > worst[c])
                                {
                                    var slot = (local + c) * k;
                                    Insert(scratch.ColumnScores.AsSpan(slot, k), scratch.ColumnIndices.AsSpan(slot, k), score, query);
                                    worst[c] = scratch.ColumnScores[slot + k - 1];
                                }
                            }
                        }
                    }
                }

                for (var r = 0; r < rows; r++)
                {
                    var query = (group * DotKernel.Rows) + r;
                    var slot = (query - rowStart) * k;
                    Offer(tile.AsSpan(r * width, width), panelNorms, firstColumn, query, scratch.RowScores.AsSpan(slot, k), scratch.RowIndices.AsSpan(slot, k));
                }
            }
        }
    }

    // Turns one tile row of dot products into scores 2q·x − ‖x‖² and inserts those that beat the current K-th best.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Offer(Span<float> dots, ReadOnlySpan<float> norms, int firstColumn, int query, Span<float> scores, Span<int> indices)
    {
        var w = Vector<float>.Count;
        var threshold = new Vector<float>(scores[^1]);
        var any = false;
        for (var c = 0; c < dots.Length; c += w)
        {
            var s = (new Vector<float>(dots[c..]) * 2f) - new Vector<float>(norms[c..]);
            s.CopyTo(dots[c..]);
            any |= Vector.GreaterThanAny(s, threshold);
        }

        if (!any)
        {
            return;
        }

        for (var c = 0; c < dots.Length; c++)
        {
            if (dots[c] > scores[^1] && firstColumn + c != query)
            {
                Insert(scores, indices, dots[c], firstColumn + c);
            }
        }
    }

    // Sorted insertion (score descending); candidates arrive in ascending index, so equal scores keep the lower index first.
    private static void Insert(Span<float> scores, Span<int> indices, float score, int index)
    {
        var pos = scores.Length - 1;
        while (pos > 0 && score > scores[pos - 1])
        {
            scores[pos] = scores[pos - 1];
            indices[pos] = indices[pos - 1];
            pos--;
        }

        scores[pos] = score;
        indices[pos] = index;
    }

    // Merges local top-K lists of points [start, end) into the global ones, by (score desc, index asc).
    private static void Merge(float[] localScores, int[] localIndices, float[] scores, int[] indices, int start, int end, int k)
    {
        Span<float> mergedScores = stackalloc float[k];
        Span<int> mergedIndices = stackalloc int[k];
        for (var point = start; point < end; point++)
        {
            var global = point * k;
            var local = (point - start) * k;
            int g = 0, l = 0;
            for (var m = 0; m < k; m++)
            {
                var takeLocal = localScores[local + l] > scores[global + g]
                    || (localScores[local + l] == scores[global + g] && localIndices[local + l] < indices[global + g]);
                if (takeLocal)
                {
                    mergedScores[m] = localScores[local + l];
                    mergedIndices[m] = localIndices[local + l];
                    l++;
                }
                else
                {
                    mergedScores[m] = scores[global + g];
                    mergedIndices[m] = indices[global + g];
                    g++;
                }
            }

            mergedScores.CopyTo(scores.AsSpan(global, k));
            mergedIndices.CopyTo(indices.AsSpan(global, k));
        }
    }

    // Per-thread buffers of one block pair.
    private sealed class PairScratch(int blockRows, int neighbours, int dim)
    {
        public int Neighbours { get; } = neighbours;

        public float[] Tile { get; } = new float[DotKernel.Rows * PackedRows.Width];

        public float[] Padding { get; } = new float[DotKernel.Rows * dim];

        public float[] RowScores { get; } = new float[blockRows * neighbours];

        public int[] RowIndices { get; } = new int[blockRows * neighbours];

        public float[] ColumnScores { get; } = new float[blockRows * neighbours];

        public int[] ColumnIndices { get; } = new int[blockRows * neighbours];

        // K-th best score of each column query, padded by one panel (+∞: never offered) for whole-vector loads.
        public float[] ColumnWorst { get; } = new float[blockRows + PackedRows.Width];

        // Empty lists whose K-th score is just below the current global K-th of each query: a
        // candidate scoring less cannot enter the final top-K (global K-th scores only grow), so
        // it is skipped early; one scoring as much is kept, as it may win an index tie. The global
        // scores are read without the lock: any value seen is a valid lower bound.
        public void Reset(float[] globalScores, int rowStart, int rowEnd, int columnStart, int columnEnd)
        {
            var k = Neighbours;
            for (var i = rowStart; i < rowEnd; i++)
            {
                var local = (i - rowStart) * k;
                RowScores.AsSpan(local, k).Fill(MathF.BitDecrement(Volatile.Read(ref globalScores[(i * k) + k - 1])));
                RowIndices.AsSpan(local, k).Fill(int.MaxValue);
            }

            ColumnWorst.AsSpan().Fill(float.PositiveInfinity);
            for (var j = columnStart; j < columnEnd; j++)
            {
                var local = (j - columnStart) * k;
                ColumnScores.AsSpan(local, k).Fill(MathF.BitDecrement(Volatile.Read(ref globalScores[(j * k) + k - 1])));
                ColumnIndices.AsSpan(local, k).Fill(int.MaxValue);
                ColumnWorst[j - columnStart] = ColumnScores[local + k - 1];
            }
        }
    }
}
