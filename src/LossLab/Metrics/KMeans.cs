using System.Numerics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>
/// Seeded k-means: greedy k-means++ initialisation (as scikit-learn's: 2 + ⌊ln k⌋ candidates per
/// centre, the one lowering the potential most wins), then Lloyd iterations until the assignments
/// stop changing, the inertia changes by less than <see cref="RelativeTolerance"/>, or the
/// iteration limit; the best of several restarts by inertia. Runs on the CPU in float32 (sums in
/// float64) on <c>torch.get_num_threads()</c> threads; point-to-centre distances stream through
/// <see cref="DotKernel"/> tiles, so memory is O(N·D). The same seed gives the same clustering
/// whatever the thread count.
/// </summary>
public static class KMeans
{
    /// <summary>Lloyd stops when the inertia changes by at most this fraction between iterations.</summary>
    public const double RelativeTolerance = 1e-6;

    // Points per work item of the assignment step and fixed chunking of the centroid sums
    // (fixed so that the float64 sums, and hence the result, do not depend on the thread count).
    private const int GroupsPerBlock = 64;
    private const int MaxSumChunks = 64;
    private const int MinSumChunk = 1024;

    /// <summary>Clusters the rows of <paramref name="x"/> into <paramref name="k"/> groups.</summary>
    /// <param name="x">(N, D) floating-point points, on any device.</param>
    /// <param name="k">Number of clusters, in [1, N].</param>
    /// <param name="restarts">Independent runs; the one with the lowest inertia is returned. Default 3.</param>
    /// <param name="seed">Seed of the k-means++ draws. Default 0.</param>
    /// <param name="maxIterations">Lloyd iterations per run at most. Default 100.</param>
    /// <returns>CPU tensors: (N) int64 assignments and (k, D) float32 centroids, with inertia and iterations.</returns>
    public static KMeansResult Fit(Tensor x, int k, int restarts = 3, int seed = 0, int maxIterations = 100)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (points, n, dim) = HostMatrix.FromTensor(x, nameof(x));
        var clustering = Fit(points, n, dim, k, restarts, seed, maxIterations, torch.get_num_threads());
        return new KMeansResult(
            torch.tensor(clustering.Labels.Select(label => (long)label).ToArray()),
            torch.tensor(clustering.Centroids, [k, dim]),
            clustering.Inertia,
            clustering.Iterations);
    }

    /// <summary>k-means of row-major (n × dim) points; see the public overload.</summary>
    internal static Clustering Fit(float[] points, int n, int dim, int k, int restarts, int seed, int maxIterations, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(restarts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        var space = new Space(points, n, dim, Math.Max(1, threads));
        var rng = new Random(seed);
        Clustering? best = null;
        for (var r = 0; r < restarts; r++)
        {
            var run = RunOnce(space, k, rng, maxIterations);
            if (best is null || run.Inertia < best.Inertia)
            {
                best = run;
            }
        }

        return best!;
    }

    private static Clustering RunOnce(Space space, int k, Random rng, int maxIterations)
    {
        var n = space.Count;
        var centroids = PlusPlus(space, k, rng);
        var labels = new int[n];
        var distances = new float[n];
        var inertia = Assign(space, centroids, k, labels, distances);
        var newLabels = new int[n];
        var newDistances = new float[n];
        var iterations = 0;
        while (iterations < maxIterations)
        {
            var newCentroids = Update(space, labels, distances, k);
            var newInertia = Assign(space, newCentroids, k, newLabels, newDistances);
            iterations++;
            var stable = labels.AsSpan().SequenceEqual(newLabels);
            var settled = Math.Abs(inertia - newInertia) <= RelativeTolerance * inertia;
            (labels, newLabels) = (newLabels, labels);
            (distances, newDistances) = (newDistances, distances);
            centroids = newCentroids;
            inertia = newInertia;
            if (stable || settled)
            {
                break;
            }
        }

        return new Clustering(labels, centroids, inertia, iterations);
    }

    // Greedy k-means++: each new centre is the best, by resulting potential Σ min-distance², of a
    // few candidates drawn with probability proportional to the squared distance to the centres so far.
    private static float[] PlusPlus(Space space, int k, Random rng)
    {
        var (n, dim) = (space.Count, space.Dim);
        var trials = 2 + (int)Math.Log(k);
        var centroids = new float[k * dim];
        var first = rng.Next(n);
        space.Row(first).CopyTo(centroids);
        var closest = space.DistancesTo([first]);
        var cumulative = new double[n];
        var candidates = new int[trials];
        for (var c = 1; c < k; c++)
        {
            var total = 0.0;
            for (var i = 0; i < n; i++)
            {
                total += closest[i];
                cumulative[i] = total;
            }

            for (var t = 0; t < trials; t++)
            {
                // First index whose cumulative weight exceeds the draw: zero-weight points (chosen centres) are never drawn.
                candidates[t] = Math.Min(UpperBound(cumulative, rng.NextDouble() * total), n - 1);
            }

            var distances = space.DistancesTo(candidates);
            var bestTrial = 0;
            var bestPotential = double.PositiveInfinity;
            for (var t = 0; t < trials; t++)
            {
                var potential = 0.0;
                var row = distances.AsSpan(t * n, n);
                for (var i = 0; i < n; i++)
                {
                    potential += Math.Min(closest[i], row[i]);
                }

                if (potential < bestPotential)
                {
                    bestPotential = potential;
                    bestTrial = t;
                }
            }

            var chosen = distances.AsSpan(bestTrial * n, n);
            for (var i = 0; i < n; i++)
            {
                closest[i] = Math.Min(closest[i], chosen[i]);
            }

            space.Row(candidates[bestTrial]).CopyTo(centroids.AsSpan(c * dim));
        }

        return centroids;
    }

    private static int UpperBound(double[] sorted, double value)
    {
        var (lo, hi) = (0, sorted.Length);
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] > value)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    // Nearest centre of every point (lowest index on ties) and its squared distance; returns the inertia.
    private static double Assign(Space space, float[] centroids, int k, int[] labels, float[] distances)
    {
        var (n, dim) = (space.Count, space.Dim);
        var packed = new PackedRows(centroids, k, dim);
        var groups = (n + DotKernel.Rows - 1) / DotKernel.Rows;
        var blocks = (groups + GroupsPerBlock - 1) / GroupsPerBlock;
        Parallel.For(0, blocks, space.Options, block => AssignBlock(space, packed, block, groups, labels, distances));

        var inertia = 0.0;
        foreach (var distance in distances)
        {
            inertia += distance;
        }

        return inertia;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AssignBlock(Space space, PackedRows packed, int block, int groups, int[] labels, float[] distances)
    {
        var (n, dim) = (space.Count, space.Dim);
        var width = PackedRows.Width;
        var padding = new float[DotKernel.Rows * dim];
        var tile = new float[DotKernel.Rows * width];
        Span<float> best = stackalloc float[DotKernel.Rows];
        Span<int> argBest = stackalloc int[DotKernel.Rows];
        var lastGroup = Math.Min(groups, (block + 1) * GroupsPerBlock);
        for (var group = block * GroupsPerBlock; group < lastGroup; group++)
        {
            var queries = DotKernel.Group(space.Points, n, dim, group, padding);
            best.Fill(float.PositiveInfinity);
            argBest.Clear();
            for (var p = 0; p < packed.Panels; p++)
            {
                DotKernel.Tile(queries, dim, packed.Panel(p), tile);
                var norms = packed.PanelNorms(p);
                for (var r = 0; r < DotKernel.Rows; r++)
                {
                    var dots = tile.AsSpan(r * width, width);
                    for (var c = 0; c < width; c++)
                    {
                        // ‖c‖² − 2x·c ranks the centres; ‖x‖² is added to the minimum only.
                        var score = norms[c] - (2f * dots[c]);
                        if (score < best[r])
                        {
                            best[r] = score;
                            argBest[r] = (p * width) + c;
                        }
                    }
                }
            }

            for (var r = 0; r < DotKernel.Rows; r++)
            {
                var i = (group * DotKernel.Rows) + r;
                if (i < n)
                {
                    labels[i] = argBest[r];
                    distances[i] = Math.Max(0f, best[r] + space.SquaredNorms[i]);
                }
            }
        }
    }

    // Means of the assigned points; an empty cluster moves onto one of the points farthest from
    // their centre (scikit-learn's remedy), so k clusters survive.
    private static float[] Update(Space space, int[] labels, float[] distances, int k)
    {
        var (n, dim) = (space.Count, space.Dim);
        var chunks = Math.Clamp(n / MinSumChunk, 1, MaxSumChunks);
        var sums = new double[chunks][];
        var counts = new long[chunks][];
        Parallel.For(0, chunks, space.Options, chunk => (sums[chunk], counts[chunk]) = SumChunk(space, labels, k, (int)((long)n * chunk / chunks), (int)((long)n * (chunk + 1) / chunks)));

        var totals = new double[k * dim];
        var sizes = new long[k];
        for (var chunk = 0; chunk < chunks; chunk++)
        {
            for (var j = 0; j < totals.Length; j++)
            {
                totals[j] += sums[chunk][j];
            }

            for (var c = 0; c < k; c++)
            {
                sizes[c] += counts[chunk][c];
            }
        }

        var centroids = new float[k * dim];
        var empty = new List<int>();
        for (var c = 0; c < k; c++)
        {
            if (sizes[c] == 0)
            {
                empty.Add(c);
                continue;
            }

            for (var d = 0; d < dim; d++)
            {
                centroids[(c * dim) + d] = (float)(totals[(c * dim) + d] / sizes[c]);
            }
        }

        if (empty.Count > 0)
        {
            var farthest = Enumerable.Range(0, n).OrderByDescending(i => distances[i]).ThenBy(i => i).Take(empty.Count).ToArray();
            for (var e = 0; e < empty.Count; e++)
            {
                space.Row(farthest[e]).CopyTo(centroids.AsSpan(empty[e] * dim));
            }
        }

        return centroids;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double[] Sums, long[] Counts) SumChunk(Space space, int[] labels, int k, int start, int end)
    {
        var dim = space.Dim;
        var sums = new double[k * dim];
        var counts = new long[k];
        for (var i = start; i < end; i++)
        {
            AddTo(sums.AsSpan(labels[i] * dim, dim), space.Row(i));
            counts[labels[i]]++;
        }

        return (sums, counts);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddTo(Span<double> sum, ReadOnlySpan<float> row)
    {
        var w = Vector<float>.Count;
        var half = Vector<double>.Count;
        var d = 0;
        for (; d + w <= row.Length; d += w)
        {
            Vector.Widen(new Vector<float>(row[d..]), out var low, out var high);
            (new Vector<double>(sum[d..]) + low).CopyTo(sum[d..]);
            (new Vector<double>(sum[(d + half)..]) + high).CopyTo(sum[(d + half)..]);
        }

        for (; d < row.Length; d++)
        {
            sum[d] += row[d];
        }
    }

    /// <summary>A clustering on host arrays: labels (n), centroids (k × dim, row-major).</summary>
    internal sealed record Clustering(int[] Labels, float[] Centroids, double Inertia, int Iterations);

    // The points with their squared norms and the parallelism to use on them.
    private sealed class Space(float[] points, int count, int dim, int threads)
    {
        public float[] Points { get; } = points;

        public int Count { get; } = count;

        public int Dim { get; } = dim;

        public float[] SquaredNorms { get; } = Norms(points, count, dim);

        public ParallelOptions Options { get; } = new() { MaxDegreeOfParallelism = threads };

        public ReadOnlySpan<float> Row(int i) => Points.AsSpan(i * Dim, Dim);

        // (candidates × n) squared distances of the chosen points to every point, clamped at 0.
        public float[] DistancesTo(int[] candidates)
        {
            var rows = new float[candidates.Length * Dim];
            for (var t = 0; t < candidates.Length; t++)
            {
                Row(candidates[t]).CopyTo(rows.AsSpan(t * Dim));
            }

            var packed = new PackedRows(rows, candidates.Length, Dim);
            var result = new float[candidates.Length * Count];
            var groups = (Count + DotKernel.Rows - 1) / DotKernel.Rows;
            var blocks = (groups + GroupsPerBlock - 1) / GroupsPerBlock;
            Parallel.For(0, blocks, Options, block => DistanceBlock(packed, candidates.Length, block, groups, result));

            return result;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void DistanceBlock(PackedRows packed, int candidates, int block, int groups, float[] result)
        {
            var width = PackedRows.Width;
            var padding = new float[DotKernel.Rows * Dim];
            var tile = new float[DotKernel.Rows * width];
            var lastGroup = Math.Min(groups, (block + 1) * GroupsPerBlock);
            for (var group = block * GroupsPerBlock; group < lastGroup; group++)
            {
                var queries = DotKernel.Group(Points, Count, Dim, group, padding);
                for (var p = 0; p < packed.Panels; p++)
                {
                    DotKernel.Tile(queries, Dim, packed.Panel(p), tile);
                    var norms = packed.PanelNorms(p);
                    for (var r = 0; r < DotKernel.Rows; r++)
                    {
                        var i = (group * DotKernel.Rows) + r;
                        for (var c = 0; c < width && i < Count; c++)
                        {
                            var t = (p * width) + c;
                            if (t < candidates)
                            {
                                result[((long)t * Count) + i] = Math.Max(0f, SquaredNorms[i] - (2f * tile[(r * width) + c]) + norms[c]);
                            }
                        }
                    }
                }
            }
        }

        private static float[] Norms(float[] points, int count, int dim)
        {
            var norms = new float[count];
            for (var i = 0; i < count; i++)
            {
                var row = points.AsSpan(i * dim, dim);
                norms[i] = DotKernel.Dot(row, row);
            }

            return norms;
        }
    }
}
