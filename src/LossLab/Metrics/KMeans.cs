using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>
/// Seeded k-means: greedy k-means++ initialisation (as scikit-learn's: 2 + ⌊ln k⌋ candidates per
/// centre, the one lowering the potential most wins), then Lloyd iterations until the assignments
/// stop changing, the centres move by at most <see cref="Tolerance"/> times the data's mean
/// per-feature variance (Σ‖Δc‖², scikit-learn's rule and default), or the iteration limit; the
/// best of several restarts by inertia. libtorch ops on the points' device: distances in float32
/// through one matrix product per iteration, centroid sums in float64; memory O(N·(D + k)).
/// </summary>
public static class KMeans
{
    /// <summary>
    /// Lloyd stops when the squared centre shifts of one iteration sum to at most this fraction of
    /// the mean per-feature variance of the points (scikit-learn's <c>tol</c>, same default).
    /// </summary>
    public const double Tolerance = 1e-4;

    /// <summary>Clusters the rows of <paramref name="x"/> into <paramref name="k"/> groups.</summary>
    /// <param name="x">(N, D) floating-point points, on any device.</param>
    /// <param name="k">Number of clusters, in [1, N].</param>
    /// <param name="restarts">Independent runs; the one with the lowest inertia is returned. Default 3.</param>
    /// <param name="seed">Seed of the k-means++ draws. Default 0.</param>
    /// <param name="maxIterations">Lloyd iterations per run at most. Default 100.</param>
    /// <returns>(N) int64 assignments and (k, D) float32 centroids on the device of <paramref name="x"/>, with inertia and iterations.</returns>
    public static KMeansResult Fit(Tensor x, int k, int restarts = 3, int seed = 0, int maxIterations = 100) =>
        Fit(x, k, restarts, seed, maxIterations, Tolerance);

    /// <summary>The public overload with the convergence tolerance as a parameter.</summary>
    internal static KMeansResult Fit(Tensor x, int k, int restarts, int seed, int maxIterations, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(x);
        PointMatrix.Check(x, nameof(x), 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, x.shape[0]);
        ArgumentOutOfRangeException.ThrowIfLessThan(restarts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        return Cluster(x, k, restarts, seed, maxIterations, tolerance);
    }

    /// <summary>k-means of checked points and settings; see <see cref="Fit(Tensor, int, int, int, int)"/>.</summary>
    internal static KMeansResult Cluster(Tensor x, int k, int restarts, int seed, int maxIterations, double tolerance = Tolerance)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var points = x.detach().to(ScalarType.Float32);
        var space = new Space(points, points.square().sum(1), points.to(ScalarType.Float64));
        var shiftTolerance = tolerance * space.Wide.var(0, unbiased: false).mean().item<double>();
        var rng = new Random(seed);
        Run? best = null;
        for (var r = 0; r < restarts; r++)
        {
            // Each restart's tensors live in its own scope; only the best clustering so far is kept.
            using var restart = torch.NewDisposeScope();
            var run = RunOnce(space, k, rng, maxIterations, shiftTolerance);
            if (best is null || run.Inertia < best.Inertia)
            {
                best?.Dispose();
                restart.MoveToOuter(run.Labels, run.Centroids);
                best = run;
            }
        }

        return new KMeansResult(best!.Labels.MoveToOuterDisposeScope(), best.Centroids.MoveToOuterDisposeScope(), best.Inertia, best.Iterations);
    }

    private static Run RunOnce(Space space, int k, Random rng, int maxIterations, double shiftTolerance)
    {
        var centroids = PlusPlus(space, k, rng);
        var (labels, distances) = Assign(space, centroids);
        var iterations = 0;
        while (iterations < maxIterations)
        {
            // One Lloyd step in its own scope, so that memory stays that of one step whatever the iterations.
            using var step = torch.NewDisposeScope();
            var next = Means(space, labels, distances, k);
            var (nextLabels, nextDistances) = Assign(space, next);
            iterations++;
            var stable = labels.equal(nextLabels).all().item<bool>();
            var shift = (centroids - next).square().sum(type: ScalarType.Float64).item<double>();
            step.MoveToOuter(next, nextLabels, nextDistances);
            labels.Dispose();
            distances.Dispose();
            centroids.Dispose();
            (labels, distances, centroids) = (nextLabels, nextDistances, next);
            if (stable || shift <= shiftTolerance)
            {
                break;
            }
        }

        return new Run(labels, centroids, distances.sum(type: ScalarType.Float64).item<double>(), iterations);
    }

    // The nearest centre of each point (lowest index on ties) and its squared distance.
    private static (Tensor Labels, Tensor Distances) Assign(Space space, Tensor centroids)
    {
        // ‖c‖² − 2x·c ranks the centres; ‖x‖² is added to the minimum only.
        var scores = torch.addmm(centroids.square().sum(1).unsqueeze(0), space.Points, centroids.t(), beta: 1, alpha: -2);
        var (nearest, labels) = scores.min(1);
        return (labels, nearest.add_(space.Norms).clamp_min_(0));
    }

    // Means of the assigned points; an empty cluster moves onto one of the points farthest from
    // their centre (scikit-learn's remedy), so k clusters survive.
    private static Tensor Means(Space space, Tensor labels, Tensor distances, int k)
    {
        var points = space.Points;
        var sums = torch.zeros([k, points.shape[1]], ScalarType.Float64, points.device).index_add_(0, labels, space.Wide, 1);
        var counts = labels.bincount(null, k);
        var means = sums.div_(counts.clamp_min(1).unsqueeze(1)).to(ScalarType.Float32);
        var empty = (counts == 0).nonzero().flatten();
        if (empty.shape[0] > 0)
        {
            // Farthest first, the lower index among equal distances; rare, so on the host.
            var host = distances.cpu().data<float>().ToArray();
            var farthest = Enumerable.Range(0, host.Length)
                .OrderByDescending(i => host[i])
                .ThenBy(i => i)
                .Take((int)empty.shape[0])
                .Select(i => (long)i)
                .ToArray();
            means.index_copy_(0, empty, points.index_select(0, torch.tensor(farthest, device: points.device)));
        }

        return means;
    }

    // Greedy k-means++: each new centre is the best, by resulting potential Σ min-distance², of a
    // few candidates drawn with probability proportional to the squared distance to the centres so far.
    private static Tensor PlusPlus(Space space, int k, Random rng)
    {
        var n = space.Points.shape[0];
        var device = space.Points.device;
        var trials = 2 + (int)Math.Log(k);
        var chosen = new long[k];
        chosen[0] = rng.Next((int)n);
        var closest = DistancesTo(space, torch.tensor(chosen[..1], device: device)).squeeze(0);
        for (var c = 1; c < k; c++)
        {
            using var step = torch.NewDisposeScope();
            var cumulative = closest.to(ScalarType.Float64).cumsum(0);
            var total = cumulative[-1].item<double>();
            var draws = torch.tensor(Enumerable.Range(0, trials).Select(_ => rng.NextDouble() * total).ToArray(), device: device);

            // First index whose cumulative weight exceeds the draw: zero-weight points (chosen centres) are never drawn.
            var candidates = torch.searchsorted(cumulative, draws, right: true).clamp_max_(n - 1);
            var distances = DistancesTo(space, candidates);
            var potentials = torch.minimum(closest.unsqueeze(0), distances).sum(1, type: ScalarType.Float64);
            var bestTrial = potentials.argmin().item<long>();
            chosen[c] = candidates[bestTrial].item<long>();
            var nearer = torch.minimum(closest, distances[bestTrial]);
            step.MoveToOuter(nearer);
            closest.Dispose();
            closest = nearer;
        }

        return space.Points.index_select(0, torch.tensor(chosen, device: device));
    }

    // (candidates × N) squared distances of the chosen points to every point, clamped at 0.
    private static Tensor DistancesTo(Space space, Tensor candidates)
    {
        var (points, norms) = (space.Points, space.Norms);
        return torch.addmm(norms.unsqueeze(0), points.index_select(0, candidates), points.t(), beta: 1, alpha: -2)
            .add_(norms.index_select(0, candidates).unsqueeze(1))
            .clamp_min_(0);
    }

    // (N, D) float32 points, their (N) squared norms and the points in float64 for the sums.
    private sealed record Space(Tensor Points, Tensor Norms, Tensor Wide);

    private sealed record Run(Tensor Labels, Tensor Centroids, double Inertia, int Iterations) : IDisposable
    {
        public void Dispose()
        {
            Labels.Dispose();
            Centroids.Dispose();
        }
    }
}
