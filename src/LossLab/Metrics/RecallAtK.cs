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
    // Target block size: about 512 rows, rounded to whole Rows × Width units (576 with AVX-512,
    // 480 with AVX2), whose queries and packed candidates (~250 KB each at D = 128) stay in L2
    // while a pair is scored.
    private const int DefaultBlockRows = 512;

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
        int blockRows = 0,
        int width = 0)
    {
        ArgumentNullException.ThrowIfNull(ks);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        if (ks.Count == 0 || ks.Any(k => k < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ks), $"Expected one or more K ≥ 1, got [{string.Join(", ", ks)}].");
        }

        var neighbours = Math.Min(ks.Max(), n - 1);
        var nearest = Nearest(points, n, dim, neighbours, threads, blockRows, width, ClassOrder(labels));

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
    /// <param name="points">Row-major (n × dim) points; with an <paramref name="order"/> they are reordered in place during the call and restored before it returns.</param>
    /// <param name="n">Number of points.</param>
    /// <param name="dim">Dimension D.</param>
    /// <param name="neighbours">Neighbours per point, in [1, n − 1].</param>
    /// <param name="threads">Worker threads.</param>
    /// <param name="blockRows">Rows per block, rounded up to whole kernel units; 0 for about 512.</param>
    /// <param name="width">Kernel panel width (<see cref="DotKernel.Width"/> or <see cref="DotKernel.PortableWidth"/>); 0 for the fastest.</param>
    /// <param name="order">A permutation of 0..n − 1 in which to lay the points out, or null for as given. Only the speed depends on it.</param>
    /// <remarks>
    /// The points, laid out in <paramref name="order"/>, are cut into blocks and each pair of blocks
    /// (a ≤ b) is scored once: a tile of dot products q·x serves the queries of block a (candidates
    /// from b) and the queries of block b (candidates from a), halving the arithmetic. Pairs run
    /// from the diagonal outwards ((a, a) first, then (a, a + 1), …): when the order places likely
    /// neighbours together, every query's K-th best score is nearly final after the first pairs, and
    /// the kernel then discards almost every later tile without a scalar look. Each pair keeps its
    /// own top-K lists, merged into the global ones under the block's lock; ranking by (score
    /// descending, index ascending) everywhere makes the result independent of the order, the
    /// blocks and the thread count.
    /// </remarks>
    internal static int[] Nearest(float[] points, int n, int dim, int neighbours, int threads, int blockRows = 0, int width = 0, int[]? order = null)
    {
        if (order is null)
        {
            return Search(points, n, dim, neighbours, threads, blockRows, width, [.. Enumerable.Range(0, n)]);
        }

        // The rows are laid out in place and put back afterwards rather than copied: on the
        // machines measured, first writes to a fresh N × D array (page faults) cost more than
        // moving the rows twice.
        Permute(points, dim, order);
        try
        {
            var laidOut = Search(points, n, dim, neighbours, threads, blockRows, width, order);
            var nearest = new int[n * neighbours];
            for (var i = 0; i < n; i++)
            {
                laidOut.AsSpan(i * neighbours, neighbours).CopyTo(nearest.AsSpan(order[i] * neighbours, neighbours));
            }

            return nearest;
        }
        finally
        {
            var inverse = new int[n];
            for (var i = 0; i < n; i++)
            {
                inverse[order[i]] = i;
            }

            Permute(points, dim, inverse);
        }
    }

    // The search of Nearest on rows already laid out; ids[row] is the caller's index of a row.
    // Returns the neighbours (caller's indices) of each laid-out row.
    private static int[] Search(float[] rows, int n, int dim, int neighbours, int threads, int blockRows, int width, int[] ids)
    {
        var packed = new PackedRows(rows, n, dim, width);
        var unit = DotKernel.Rows * packed.Width;
        blockRows = blockRows <= 0
            ? Math.Max(1, (int)Math.Round(DefaultBlockRows / (double)unit)) * unit
            : ((blockRows + unit - 1) / unit) * unit;
        var blocks = (n + blockRows - 1) / blockRows;
        var pairs = new List<(int A, int B)>();
        for (var offset = 0; offset < blocks; offset++)
        {
            for (var a = 0; a + offset < blocks; a++)
            {
                pairs.Add((a, a + offset));
            }
        }

        // Squared norms of the queries, +∞ on the padding rows of the last group: those never reach a bound.
        var queryNorms = new float[((n + DotKernel.Rows - 1) / DotKernel.Rows) * DotKernel.Rows];
        Array.Fill(queryNorms, float.PositiveInfinity);
        packed.SquaredNorms.AsSpan(0, n).CopyTo(queryNorms);

        // Top-K lists of the laid-out rows, holding the caller's indices.
        var scores = new float[n * neighbours];
        var indices = new int[n * neighbours];
        Array.Fill(scores, float.NegativeInfinity);
        Array.Fill(indices, int.MaxValue);
        var locks = Enumerable.Range(0, blocks).Select(_ => new object()).ToArray();
        Workers.For(
            pairs.Count,
            threads,
            () => new PairScratch(blockRows, neighbours, dim, packed.Width),
            (pair, scratch) =>
            {
                var (a, b) = pairs[pair];
                var block = new Pair(a * blockRows, Math.Min(n, (a + 1) * blockRows), b * blockRows, Math.Min(n, (b + 1) * blockRows));
                ScorePair(rows, packed, queryNorms, ids, block, scores, scratch);
                lock (locks[a])
                {
                    Merge(scratch.RowScores, scratch.RowIndices, scores, indices, block.RowStart, block.RowEnd, neighbours);
                }

                if (a != b)
                {
                    lock (locks[b])
                    {
                        Merge(scratch.ColumnScores, scratch.ColumnIndices, scores, indices, block.ColumnStart, block.ColumnEnd, neighbours);
                    }
                }
            });

        return indices;
    }

    // rows[i] ← rows[source[i]] for every row, in place, following the permutation's cycles.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Permute(float[] rows, int dim, int[] source)
    {
        var done = new bool[source.Length];
        var held = new float[dim];
        for (var start = 0; start < source.Length; start++)
        {
            if (done[start])
            {
                continue;
            }

            rows.AsSpan(start * dim, dim).CopyTo(held);
            var i = start;
            while (true)
            {
                done[i] = true;
                var from = source[i];
                if (from == start)
                {
                    held.CopyTo(rows.AsSpan(i * dim, dim));
                    break;
                }

                rows.AsSpan(from * dim, dim).CopyTo(rows.AsSpan(i * dim, dim));
                i = from;
            }
        }
    }

    // The points grouped by class (classes in order of first appearance, ascending index within
    // a class). Same-class points are usually each other's nearest, so this order lets the
    // diagonal pairs settle most K-th best scores. A counting sort: O(n) and stable.
    private static int[] ClassOrder(ReadOnlySpan<long> labels)
    {
        var classOf = new Dictionary<long, int>();
        var classes = new int[labels.Length];
        var starts = new List<int>();
        for (var i = 0; i < labels.Length; i++)
        {
            if (!classOf.TryGetValue(labels[i], out var c))
            {
                c = classOf.Count;
                classOf.Add(labels[i], c);
                starts.Add(0);
            }

            classes[i] = c;
            starts[c]++;
        }

        var next = 0;
        for (var c = 0; c < starts.Count; c++)
        {
            (starts[c], next) = (next, next + starts[c]);
        }

        var order = new int[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            order[starts[classes[i]]++] = i;
        }

        return order;
    }

    // Top-K of the queries in [RowStart, RowEnd) among candidates [ColumnStart, ColumnEnd), and,
    // off the diagonal, of the queries in [ColumnStart, ColumnEnd) among [RowStart, RowEnd); rows
    // are positions in the layout, ids[row] the caller's index. A query x_i sees candidate x_j with
    // score 2x_i·x_j − ‖x_j‖² (its squared distance less ‖x_i‖², negated), so one dot product
    // serves both directions. The kernel skips every tile in which no score reaches the K-th best
    // of its query (reaches, as an equal score may still win on the index).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScorePair(float[] rows, PackedRows packed, float[] queryNorms, int[] ids, Pair block, float[] globalScores, PairScratch scratch)
    {
        var (n, dim, width) = (packed.Count, packed.Dim, packed.Width);
        var k = scratch.Neighbours;
        var diagonal = block.RowStart == block.ColumnStart;
        scratch.Reset(globalScores, block, diagonal);
        var tile = scratch.Tile;
        for (var p = block.ColumnStart / width; p * width < block.ColumnEnd; p++)
        {
            var panel = packed.Panel(p);
            var panelNorms = packed.PanelNorms(p);
            var firstColumn = p * width;
            var local = firstColumn - block.ColumnStart;
            var columns = Math.Min(width, block.ColumnEnd - firstColumn);

            // On the diagonal every column bound stays +∞: those queries are served by the row side.
            var columnWorst = scratch.ColumnWorst.AsSpan(local, width);
            for (var group = block.RowStart / DotKernel.Rows; group * DotKernel.Rows < block.RowEnd; group++)
            {
                var firstRow = group * DotKernel.Rows;
                var rowWorst = scratch.RowWorst.AsSpan(firstRow - block.RowStart, DotKernel.Rows);
                var queries = DotKernel.Group(rows, n, dim, group, scratch.Padding);
                if (!DotKernel.TileAbove(queries, dim, panel, width, rowWorst, queryNorms.AsSpan(firstRow, DotKernel.Rows), panelNorms, columnWorst, tile))
                {
                    continue;
                }

                var count = Math.Min(DotKernel.Rows, block.RowEnd - firstRow);
                for (var r = 0; r < count; r++)
                {
                    var query = firstRow + r;
                    var dots = tile.AsSpan(r * width, width);
                    var slot = (query - block.RowStart) * k;
                    var rowScores = scratch.RowScores.AsSpan(slot, k);
                    var rowIndices = scratch.RowIndices.AsSpan(slot, k);
                    for (var c = 0; c < columns; c++)
                    {
                        var score = (2f * dots[c]) - panelNorms[c];
                        if (score >= rowScores[^1] && firstColumn + c != query)
                        {
                            Offer(rowScores, rowIndices, score, ids[firstColumn + c]);
                        }
                    }

                    rowWorst[r] = rowScores[^1];
                    if (diagonal)
                    {
                        continue;
                    }

                    var norm = queryNorms[query];
                    for (var c = 0; c < columns; c++)
                    {
                        var score = (2f * dots[c]) - norm;
                        if (score >= columnWorst[c])
                        {
                            var columnSlot = (local + c) * k;
                            var columnScores = scratch.ColumnScores.AsSpan(columnSlot, k);
                            Offer(columnScores, scratch.ColumnIndices.AsSpan(columnSlot, k), score, ids[query]);
                            columnWorst[c] = columnScores[^1];
                        }
                    }
                }
            }
        }
    }

    // Inserts (score, index) into a top-K list if it ranks above the list's last entry.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Offer(Span<float> scores, Span<int> indices, float score, int index)
    {
        var pos = scores.Length - 1;
        if (!Ranks(score, index, scores[pos], indices[pos]))
        {
            return;
        }

        while (pos > 0 && Ranks(score, index, scores[pos - 1], indices[pos - 1]))
        {
            scores[pos] = scores[pos - 1];
            indices[pos] = indices[pos - 1];
            pos--;
        }

        scores[pos] = score;
        indices[pos] = index;
    }

    // The ranking of neighbours: higher score (nearer) first, then the lower index.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Ranks(float score, int index, float otherScore, int otherIndex) =>
        score > otherScore || (score == otherScore && index < otherIndex);

    // Merges local top-K lists of points [start, end) into the global ones.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                if (Ranks(localScores[local + l], localIndices[local + l], scores[global + g], indices[global + g]))
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

    // The row range (queries of block a) and column range (block b) of one block pair.
    private readonly record struct Pair(int RowStart, int RowEnd, int ColumnStart, int ColumnEnd);

    // Per-thread buffers of one block pair.
    private sealed class PairScratch(int blockRows, int neighbours, int dim, int width)
    {
        public int Neighbours { get; } = neighbours;

        public float[] Tile { get; } = new float[DotKernel.Rows * width];

        public float[] Padding { get; } = new float[DotKernel.Rows * dim];

        public float[] RowScores { get; } = new float[blockRows * neighbours];

        public int[] RowIndices { get; } = new int[blockRows * neighbours];

        public float[] ColumnScores { get; } = new float[blockRows * neighbours];

        public int[] ColumnIndices { get; } = new int[blockRows * neighbours];

        // K-th best score of each row query, padded by one group (+∞: never offered) for whole-group loads.
        public float[] RowWorst { get; } = new float[blockRows + DotKernel.Rows];

        // K-th best score of each column query, padded by one panel (+∞: never offered) for whole-panel loads.
        public float[] ColumnWorst { get; } = new float[blockRows + width];

        // Empty lists whose K-th entry ranks just below the current global K-th of each query: a
        // candidate scoring less cannot enter the final top-K (global K-th scores only grow), so
        // it is skipped early; one scoring as much is kept, as it may win an index tie. The global
        // scores are read without the lock: any value seen is a valid lower bound. Off the
        // diagonal the column queries get lists too; on it they are the row queries.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Reset(float[] globalScores, Pair block, bool diagonal)
        {
            var k = Neighbours;
            RowWorst.AsSpan().Fill(float.PositiveInfinity);
            ColumnWorst.AsSpan().Fill(float.PositiveInfinity);
            Fill(globalScores, block.RowStart, block.RowEnd, RowScores, RowIndices, RowWorst);
            if (!diagonal)
            {
                Fill(globalScores, block.ColumnStart, block.ColumnEnd, ColumnScores, ColumnIndices, ColumnWorst);
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            void Fill(float[] global, int start, int end, float[] scores, int[] indices, float[] worst)
            {
                for (var i = start; i < end; i++)
                {
                    var local = (i - start) * k;
                    var bound = MathF.BitDecrement(Volatile.Read(ref global[(i * k) + k - 1]));
                    scores.AsSpan(local, k).Fill(bound);
                    indices.AsSpan(local, k).Fill(int.MaxValue);
                    worst[i - start] = bound;
                }
            }
        }
    }
}
