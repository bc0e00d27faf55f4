using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>
/// Seeded k-means: greedy k-means++ initialisation (as scikit-learn's: 2 + ⌊ln k⌋ candidates per
/// centre, the one lowering the potential most wins), then Lloyd iterations until the assignments
/// stop changing, the centres move by at most <see cref="Tolerance"/> times the data's mean
/// per-feature variance (Σ‖Δc‖², scikit-learn's rule and default), or the iteration limit; the
/// best of several restarts by inertia. Runs on the CPU in float32 (sums in
/// float64) on <c>torch.get_num_threads()</c> threads; point-to-centre distances stream through
/// <see cref="DotKernel"/> tiles, so memory is O(N·D). The same seed gives the same clustering
/// whatever the thread count.
/// </summary>
public static class KMeans
{
    /// <summary>
    /// Lloyd stops when the squared centre shifts of one iteration sum to at most this fraction of
    /// the mean per-feature variance of the points (scikit-learn's <c>tol</c>, same default).
    /// </summary>
    public const double Tolerance = 1e-4;

    // Work items: at least 64 query groups (384 points), at most 64 items, so the per-item
    // float64 sums stay small (64 × k × D) whatever N.
    private const int MinChunkGroups = 64;
    private const int MaxChunks = 64;

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
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(restarts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        var (points, n, dim) = HostCopy.Matrix(x, nameof(x));
        var clustering = Fit(points, n, dim, k, restarts, seed, maxIterations, torch.get_num_threads());
        return new KMeansResult(
            torch.tensor(clustering.Labels.Select(label => (long)label).ToArray()),
            torch.tensor(clustering.Centroids, [k, dim]),
            clustering.Inertia,
            clustering.Iterations);
    }

    /// <summary>k-means of row-major (n × dim) points; see the public overload.</summary>
    internal static Clustering Fit(float[] points, int n, int dim, int k, int restarts, int seed, int maxIterations, int threads, double tolerance = Tolerance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(restarts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        var space = new Space(points, n, dim, Math.Max(1, threads));
        var rng = new Random(seed);
        var shiftTolerance = tolerance * space.MeanVariance();
        Clustering? best = null;
        for (var r = 0; r < restarts; r++)
        {
            var run = RunOnce(space, k, rng, maxIterations, shiftTolerance);
            if (best is null || run.Inertia < best.Inertia)
            {
                best = run;
            }
        }

        return best!;
    }

    private static Clustering RunOnce(Space space, int k, Random rng, int maxIterations, double shiftTolerance)
    {
        var n = space.Count;
        var sums = new ChunkSums(space.Chunks, k, space.Dim);
        var centroids = PlusPlus(space, k, rng);
        var labels = new int[n];
        var distances = new float[n];
        var inertia = AssignAndSum(space, centroids, k, labels, distances, sums);
        var newLabels = new int[n];
        var newDistances = new float[n];
        var iterations = 0;
        while (iterations < maxIterations)
        {
            var newCentroids = Means(space, sums, distances, k);
            var newInertia = AssignAndSum(space, newCentroids, k, newLabels, newDistances, sums);
            iterations++;
            var stable = labels.AsSpan().SequenceEqual(newLabels);
            var settled = SquaredDistance(centroids, newCentroids) <= shiftTolerance;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    // Σ (a_i − b_i)², vectorised; float32 is ample for a row's spread or a convergence test.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var w = Vector<float>.Count;
        var sum = Vector<float>.Zero;
        var i = 0;
        for (; i + w <= a.Length; i += w)
        {
            var difference = new Vector<float>(a[i..]) - new Vector<float>(b[i..]);
            sum = Vector.FusedMultiplyAdd(difference, difference, sum);
        }

        var total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            var difference = a[i] - b[i];
            total += difference * difference;
        }

        return total;
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

    // One pass over the points: the nearest centre of each (lowest index on ties) and its squared
    // distance, and, per fixed chunk, the sums and counts the next centroids are the means of.
    // Returns the inertia.
    private static double AssignAndSum(Space space, float[] centroids, int k, int[] labels, float[] distances, ChunkSums sums)
    {
        var packed = new PackedRows(centroids, k, space.Dim);
        Workers.For(space.Chunks, space.Threads, chunk => AssignChunk(space, packed, chunk, labels, distances, sums));
        var inertia = 0.0;
        foreach (var distance in distances)
        {
            inertia += distance;
        }

        return inertia;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AssignChunk(Space space, PackedRows packed, int chunk, int[] labels, float[] distances, ChunkSums sums)
    {
        var (n, dim) = (space.Count, space.Dim);
        var width = packed.Width;
        var padding = new float[DotKernel.Rows * dim];
        var tile = new float[DotKernel.Rows * width];
        Span<float> best = stackalloc float[DotKernel.Rows];
        Span<int> argBest = stackalloc int[DotKernel.Rows];
        var sum = sums.Sums[chunk];
        var count = sums.Counts[chunk];
        Array.Clear(sum);
        Array.Clear(count);
        var (firstGroup, endGroup) = space.ChunkGroups(chunk);
        for (var group = firstGroup; group < endGroup; group++)
        {
            var queries = DotKernel.Group(space.Points, n, dim, group, padding);
            best.Fill(float.PositiveInfinity);
            argBest.Clear();
            for (var p = 0; p < packed.Panels; p++)
            {
                DotKernel.Tile(queries, dim, packed.Panel(p), width, tile);
                var norms = packed.PanelNorms(p);
                var columns = Math.Min(width, packed.Count - (p * width));
                for (var r = 0; r < DotKernel.Rows; r++)
                {
                    var dots = tile.AsSpan(r * width, width);
                    for (var c = 0; c < columns; c++)
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
                    var label = argBest[r];
                    labels[i] = label;
                    distances[i] = Math.Max(0f, best[r] + space.SquaredNorms[i]);
                    AddTo(sum.AsSpan(label * dim, dim), space.Row(i));
                    count[label]++;
                }
            }
        }
    }

    // Means of the assigned points, summing the chunks in a fixed order; an empty cluster moves
    // onto one of the points farthest from their centre (scikit-learn's remedy), so k clusters survive.
    private static float[] Means(Space space, ChunkSums sums, float[] distances, int k)
    {
        var dim = space.Dim;
        var totals = new double[k * dim];
        var sizes = new long[k];
        for (var chunk = 0; chunk < space.Chunks; chunk++)
        {
            var sum = sums.Sums[chunk];
            for (var j = 0; j < totals.Length; j++)
            {
                totals[j] += sum[j];
            }

            for (var c = 0; c < k; c++)
            {
                sizes[c] += sums.Counts[chunk][c];
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
            var farthest = Enumerable.Range(0, space.Count).OrderByDescending(i => distances[i]).ThenBy(i => i).Take(empty.Count).ToArray();
            for (var e = 0; e < empty.Count; e++)
            {
                space.Row(farthest[e]).CopyTo(centroids.AsSpan(empty[e] * dim));
            }
        }

        return centroids;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddTo(Span<double> sum, ReadOnlySpan<float> row)
    {
        var d = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; d + 16 <= row.Length; d += 16)
            {
                var (low, high) = Vector512.Widen(Vector512.Create(row[d..]));
                (Vector512.Create<double>(sum[d..]) + low).CopyTo(sum[d..]);
                (Vector512.Create<double>(sum[(d + 8)..]) + high).CopyTo(sum[(d + 8)..]);
            }
        }

        var w = Vector<float>.Count;
        var half = Vector<double>.Count;
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

    // Per-chunk float64 sums (k × dim) and counts (k) of the points assigned to each cluster.
    private sealed class ChunkSums(int chunks, int k, int dim)
    {
        public double[][] Sums { get; } = [.. Enumerable.Range(0, chunks).Select(_ => new double[k * dim])];

        public long[][] Counts { get; } = [.. Enumerable.Range(0, chunks).Select(_ => new long[k])];
    }

    // The points with their squared norms, their fixed chunking and the parallelism to use on them.
    private sealed class Space(float[] points, int count, int dim, int threads)
    {
        private readonly int groups = (count + DotKernel.Rows - 1) / DotKernel.Rows;

        public float[] Points { get; } = points;

        public int Count { get; } = count;

        public int Dim { get; } = dim;

        public float[] SquaredNorms { get; } = Norms(points, count, dim);

        public int Threads { get; } = threads;

        // Work items of whole query groups; fixed by the point count alone, so the float64 sums
        // (and the clustering) do not depend on the thread count.
        public int Chunks => Math.Clamp(groups / MinChunkGroups, 1, MaxChunks);

        public ReadOnlySpan<float> Row(int i) => Points.AsSpan(i * Dim, Dim);

        public (int First, int End) ChunkGroups(int chunk) =>
            ((int)((long)groups * chunk / Chunks), (int)((long)groups * (chunk + 1) / Chunks));

        // Mean over features of the per-feature variance (as numpy.var(x, axis=0).mean()): two
        // passes (mean, then spread about it), so data far from the origin loses no precision.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public double MeanVariance()
        {
            var mean = new double[Dim];
            for (var i = 0; i < Count; i++)
            {
                AddTo(mean, Row(i));
            }

            var centre = new float[Dim];
            for (var d = 0; d < Dim; d++)
            {
                centre[d] = (float)(mean[d] / Count);
            }

            var total = 0.0;
            for (var i = 0; i < Count; i++)
            {
                total += SquaredDistance(Row(i), centre);
            }

            return total / ((double)Count * Dim);
        }

        // (candidates × n) squared distances of the chosen points to every point, clamped at 0.
        // Few candidates: plain dot products, no padded tiles.
        public float[] DistancesTo(int[] candidates)
        {
            var result = new float[candidates.Length * Count];
            Workers.For(Chunks, Threads, chunk =>
            {
                var (firstGroup, endGroup) = ChunkGroups(chunk);
                DistanceRange(candidates, firstGroup * DotKernel.Rows, Math.Min(Count, endGroup * DotKernel.Rows), result);
            });

            return result;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void DistanceRange(int[] candidates, int start, int end, float[] result)
        {
            for (var t = 0; t < candidates.Length; t++)
            {
                var centre = Row(candidates[t]);
                var centreNorm = SquaredNorms[candidates[t]];
                var row = result.AsSpan(t * Count, Count);
                for (var i = start; i < end; i++)
                {
                    row[i] = Math.Max(0f, SquaredNorms[i] - (2f * DotKernel.Dot(Row(i), centre)) + centreNorm);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
