using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>
/// Leave-one-out Recall@K (SPEC §5): the fraction of points whose K nearest other points, by
/// Euclidean distance, include at least one of the same class. Exact brute force in libtorch ops
/// on the points' device: blocks of queries against all points (one matrix product and one top-K
/// each), so memory is one block of scores, about <see cref="BlockValues"/> floats, for any N.
/// Equal distances rank the lower index first.
/// </summary>
public static class RecallAtK
{
    /// <summary>Scores held at once: 2²⁴ floats (64 MiB) per block of queries.</summary>
    internal const long BlockValues = 1L << 24;

    /// <summary>The K of the metric-learning protocol: 1, 2, 4, 8.</summary>
    public static IReadOnlyList<int> DefaultKs { get; } = [1, 2, 4, 8];

    /// <summary>Computes Recall@K for each of <paramref name="ks"/>.</summary>
    /// <param name="embeddings">(N, D) floating-point points, N ≥ 2. For the protocol, pass L2-normalised embeddings (nearest = largest cosine similarity).</param>
    /// <param name="labels">(N) integer classes.</param>
    /// <param name="ks">Neighbourhood sizes, each ≥ 1; a K above N − 1 uses all N − 1 other points.</param>
    /// <returns>Recall@K in the order of <paramref name="ks"/>.</returns>
    public static double[] Compute(Tensor embeddings, Tensor labels, IReadOnlyList<int> ks) => Compute(embeddings, labels, ks, 0);

    /// <summary>The public overload with the rows per block of queries (0: about <see cref="BlockValues"/> / N).</summary>
    internal static double[] Compute(Tensor embeddings, Tensor labels, IReadOnlyList<int> ks, long blockRows)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(ks);
        PointMatrix.Check(embeddings, nameof(embeddings), 2);
        var n = embeddings.shape[0];
        PointMatrix.CheckLabels(labels, n, nameof(labels));

        if (ks.Count == 0 || ks.Any(k => k < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ks), $"Expected one or more K ≥ 1, got [{string.Join(", ", ks)}].");
        }

        return Rates(embeddings, labels, ks, blockRows);
    }

    /// <summary>Recall@K of checked points and labels.</summary>
    internal static double[] Rates(Tensor embeddings, Tensor labels, IReadOnlyList<int> ks, long blockRows = 0)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var n = embeddings.shape[0];
        var neighbours = (int)Math.Min(ks.Max(), n - 1);
        var nearest = Search(embeddings, neighbours, blockRows);
        var classes = labels.to(ScalarType.Int64, nearest.device);

        // found[i, j]: one of the j + 1 nearest neighbours of point i is of its class.
        var same = classes.index_select(0, nearest.flatten()).view(n, neighbours) == classes.unsqueeze(1);
        var found = same.cumsum(1) > 0;
        var rates = found.sum([0], type: ScalarType.Int64).cpu().data<long>().ToArray();
        return [.. ks.Select(k => rates[Math.Min(k, neighbours) - 1] / (double)n)];
    }

    /// <summary>
    /// Indices of the <paramref name="neighbours"/> nearest other points of every point, nearest
    /// first: (N, neighbours) int64 on the points' device; equal distances keep the lower index first.
    /// </summary>
    /// <param name="points">(N, D) floating-point points, N ≥ 2.</param>
    /// <param name="neighbours">Neighbours per point, in [1, N − 1].</param>
    /// <param name="blockRows">Queries per block; 0 for about <see cref="BlockValues"/> / N.</param>
    internal static Tensor Nearest(Tensor points, int neighbours, long blockRows = 0)
    {
        PointMatrix.Check(points, nameof(points), 2);
        var n = points.shape[0];
        ArgumentOutOfRangeException.ThrowIfLessThan(neighbours, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(neighbours, n - 1);
        return Search(points, neighbours, blockRows);
    }

    private static Tensor Search(Tensor points, int neighbours, long blockRows)
    {
        var n = points.shape[0];
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = points.detach().to(ScalarType.Float32);
        var norms = x.square().sum(1);
        blockRows = blockRows > 0 ? Math.Min(blockRows, n) : Math.Clamp(BlockValues / n, 1, n);
        var blocks = new List<Tensor>();
        for (long start = 0; start < n; start += blockRows)
        {
            using var block = torch.NewDisposeScope();
            var rows = Math.Min(blockRows, n - start);

            // 2q·x − ‖x‖², the squared distance less ‖q‖², negated: larger is nearer.
            var scores = torch.addmm(norms.unsqueeze(0), x.narrow(0, start, rows), x.t(), beta: -1, alpha: 2);
            scores.diagonal(start).fill_(float.NegativeInfinity);
            // One more than needed: a tie between the K-th and the (K + 1)-th shows a tie at the edge.
            var (values, indices) = scores.topk(Math.Min(neighbours + 1, (int)n), dim: 1, largest: true, sorted: true);
            blocks.Add(RankTies(scores, values, indices, neighbours).MoveToOuterDisposeScope());
        }

        return torch.cat(blocks, 0).MoveToOuterDisposeScope();
    }

    // topk leaves the order of equal scores open. A row with two equal scores among its first K + 1
    // (a tie inside its top K, or at the K-th place) gets its list rebuilt in the documented order
    // (score descending, index ascending). Ties need duplicate points, so this path seldom runs.
    private static Tensor RankTies(Tensor scores, Tensor values, Tensor indices, int neighbours)
    {
        var found = values.shape[1];
        var tied = (values.narrow(1, 1, found - 1) == values.narrow(1, 0, found - 1)).any(1);
        var rows = tied.nonzero().flatten().cpu().data<long>().ToArray();
        var top = indices.narrow(1, 0, neighbours);
        if (rows.Length == 0)
        {
            return top;
        }

        var ranked = top.cpu().contiguous();
        foreach (var row in rows)
        {
            var rowScores = scores[row].cpu().data<float>().ToArray();
            var bound = rowScores[indices[row, neighbours - 1].item<long>()];
            var order = Enumerable.Range(0, rowScores.Length)
                .Where(j => rowScores[j] >= bound)
                .OrderByDescending(j => rowScores[j])
                .ThenBy(j => j)
                .Take(neighbours)
                .Select(j => (long)j)
                .ToArray();
            ranked[row] = torch.tensor(order);
        }

        return ranked.to(indices.device);
    }
}
