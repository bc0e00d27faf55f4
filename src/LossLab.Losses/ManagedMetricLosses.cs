using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LossLab.Losses.Mining;
using TorchSharp;
using static TorchSharp.torch;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace LossLab.Losses;

/// <summary>
/// The fused metric losses of <see cref="FusedMetricLosses"/> for CPU float32 and float64 tensors, computed over the
/// tensors' buffers: libtorch forms the (N, N) product of the embeddings (and, for losses over all pairs, the (N, N) ×
/// (N, D) product of the gradient); normalisation, mining, loss values, gradient coefficients, the scatter of gradient
/// rows and the normalisation's backward pass are row loops in managed memory. At a batch of 256 the libtorch version
/// spends most of its time in the fixed cost of some sixty small calls, which these loops replace.
/// </summary>
/// <remarks>
/// The values and gradients are those of <see cref="FusedMetricLosses"/> (see its remarks for the omitted radial
/// parts), with the same draws as the public miners (<see cref="ManagedMining"/>). Sums are accumulated in double.
/// </remarks>
internal static class ManagedMetricLosses
{
    // Scratch slots (0 and 1 belong to the miners).
    private const int NormSlot = 2;
    private const int SquareSlot = 3;
    private const int RowSumSlot = 4;
    private const int BetaSlot = 4;

    /// <summary>Whether the losses of (N, D) <paramref name="embeddings"/> and their <paramref name="labels"/> run here.</summary>
    public static bool Supports(Tensor embeddings, Tensor labels) =>
        ManagedMining.Supports(embeddings, labels) && embeddings.shape[0] > 0 && embeddings.shape[1] > 0;

    /// <summary>Whether a per-class or per-proxy parameter can be read and written here.</summary>
    public static bool SupportsParameter(Tensor parameter) =>
        parameter.device_type == DeviceType.CPU && parameter.dtype is ScalarType.Float32 or ScalarType.Float64;

    /// <summary>Triplet loss with semi-hard or batch-hard mining, reduced by mean or sum.</summary>
    public static (Tensor Loss, Tensor[] Gradients) Triplet(
        Tensor embeddings, Tensor labels, double margin, TripletMining mining, Generator? generator, Reduction reduction, bool withGradient) =>
        embeddings.dtype == ScalarType.Float32
            ? Triplet<float>(embeddings, labels, margin, mining, generator, reduction, withGradient)
            : Triplet<double>(embeddings, labels, margin, mining, generator, reduction, withGradient);

    /// <summary>Margin loss with distance-weighted sampling, reduced by mean (over active terms) or sum.</summary>
    public static (Tensor Loss, Tensor[] Gradients) Margin(
        Tensor embeddings, Tensor labels, Tensor classBeta, double alpha, double? cutoff, Generator? generator, Reduction reduction, bool withGradient) =>
        embeddings.dtype == ScalarType.Float32
            ? Margin<float>(embeddings, labels, classBeta, alpha, cutoff, generator, reduction, withGradient)
            : Margin<double>(embeddings, labels, classBeta, alpha, cutoff, generator, reduction, withGradient);

    /// <summary>N-pair loss with random positives, reduced by mean or sum.</summary>
    public static (Tensor Loss, Tensor[] Gradients) NPair(
        Tensor embeddings, Tensor labels, double l2Weight, Generator? generator, Reduction reduction, bool withGradient) =>
        embeddings.dtype == ScalarType.Float32
            ? NPair<float>(embeddings, labels, l2Weight, generator, reduction, withGradient)
            : NPair<double>(embeddings, labels, l2Weight, generator, reduction, withGradient);

    /// <summary>Proxy-NCA with one proxy per class, reduced by mean or sum; the proxies must have the embeddings' dtype.</summary>
    public static (Tensor Loss, Tensor[] Gradients) ProxyNca(
        Tensor embeddings, Tensor labels, Tensor proxies, Reduction reduction, bool withGradient) =>
        embeddings.dtype == ScalarType.Float32
            ? ProxyNca<float>(embeddings, labels, proxies, reduction, withGradient)
            : ProxyNca<double>(embeddings, labels, proxies, reduction, withGradient);

    /// <summary>Contrastive loss over all pairs, reduced by mean or sum.</summary>
    public static (Tensor Loss, Tensor[] Gradients) Contrastive(
        Tensor embeddings, Tensor labels, double margin, Reduction reduction, bool withGradient) =>
        embeddings.dtype == ScalarType.Float32
            ? Contrastive<float>(embeddings, labels, margin, reduction, withGradient)
            : Contrastive<double>(embeddings, labels, margin, reduction, withGradient);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Tensor Loss, Tensor[] Gradients) Triplet<T>(
        Tensor embeddings, Tensor labels, double margin, TripletMining mining, Generator? generator, Reduction reduction, bool withGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, dim) = ((int)embeddings.shape[0], (int)embeddings.shape[1]);
        var norms = Scratch<T>.Get(NormSlot, n);
        using var x = Normalize(embeddings, norms);
        using var squared = SquaredDistances<T>(x);
        var d = ManagedMining.Elements<T>(squared);
        using var l = labels.contiguous();
        var workspace = MiningWorkspace.Current;
        var classes = ClassLayout.Of(ManagedMining.Elements<long>(l), workspace);
        var positives = workspace.Positives.AsSpan(0, n);
        var negatives = workspace.Negatives.AsSpan(0, n);
        if (mining == TripletMining.SemiHard)
        {
            var random = SplitMix64.From(generator);
            RowMining.SemiHard<T>(d, classes, margin, ref random, positives, negatives);
        }
        else
        {
            RowMining.BatchHard<T>(d, classes, positives, negatives);
        }

        var m = T.CreateChecked(margin);
        var (sum, valid) = (0.0, 0);
        for (var i = 0; i < n; i++)
        {
            if (positives[i] >= 0)
            {
                valid++;
                sum += double.CreateChecked(T.Max(d[(i * n) + positives[i]] - d[(i * n) + negatives[i]] + m, T.Zero));
            }
        }

        var scale = reduction == Reduction.Mean ? 1.0 / Math.Max(valid, 1) : 1.0;
        var loss = torch.tensor(sum * scale, embeddings.dtype);
        if (!withGradient)
        {
            return (loss, []);
        }

        // Active triplets: the anchor moves by w·(x_n − x_p), the positive by −w·x_a, the negative by w·x_a, w = 2·scale.
        var g = torch.zeros(n, dim, embeddings.dtype);
        var gs = ManagedMining.Elements<T>(g);
        var xs = ManagedMining.Elements<T>(x);
        var w = T.CreateChecked(2 * scale);
        for (var i = 0; i < n; i++)
        {
            var (p, k) = (positives[i], negatives[i]);
            if (p >= 0 && d[(i * n) + p] - d[(i * n) + k] + m > T.Zero)
            {
                AddPair(gs, xs, dim, i, p, -w);
                AddPair(gs, xs, dim, i, k, w);
            }
        }

        NormalizeBackward(gs, xs, norms, dim);
        return (loss, [g]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Tensor Loss, Tensor[] Gradients) Margin<T>(
        Tensor embeddings, Tensor labels, Tensor classBeta, double alpha, double? cutoff, Generator? generator, Reduction reduction, bool withGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, dim) = ((int)embeddings.shape[0], (int)embeddings.shape[1]);
        var classCount = (int)classBeta.shape[0];
        var norms = Scratch<T>.Get(NormSlot, n);
        using var x = Normalize(embeddings, norms);
        using var squared = SquaredDistances<T>(x);
        var d = ManagedMining.Elements<T>(squared);
        using var l = labels.contiguous();
        var label = ManagedMining.Elements<long>(l);
        foreach (var y in label)
        {
            if ((ulong)y >= (ulong)classCount)
            {
                throw new ArgumentException($"labels must lie in [0, {classCount}) to index classBeta, got {y}", nameof(labels));
            }
        }

        var workspace = MiningWorkspace.Current;
        var classes = ClassLayout.Of(label, workspace);
        var positives = workspace.Positives.AsSpan(0, n);
        var negatives = workspace.Negatives.AsSpan(0, n);
        var random = SplitMix64.From(generator);
        RowMining.DistanceWeighted<T>(d, classes, dim, cutoff, ref random, positives, negatives);
        var beta = Scratch<double>.Get(BetaSlot, classCount);
        ReadAsDouble(classBeta, beta);

        // Terms relu(d_ap − β + α) and relu(β − d_an + α), d = sqrt(d² + 1e-8), with β of the anchor's class.
        var (epsilon, a) = (T.CreateChecked(LossFunctions.MarginDistanceEpsilon), T.CreateChecked(alpha));
        var (sum, active) = (0.0, 0);
        for (var i = 0; i < n; i++)
        {
            if (positives[i] >= 0)
            {
                var b = T.CreateChecked(beta[(int)label[i]]);
                var positiveTerm = T.Sqrt(d[(i * n) + positives[i]] + epsilon) - b + a;
                var negativeTerm = b - T.Sqrt(d[(i * n) + negatives[i]] + epsilon) + a;
                active += (positiveTerm > T.Zero ? 1 : 0) + (negativeTerm > T.Zero ? 1 : 0);
                sum += double.CreateChecked(T.Max(positiveTerm, T.Zero) + T.Max(negativeTerm, T.Zero));
            }
        }

        // Wu et al. average over the terms that are active, not over all triplets.
        var scale = reduction == Reduction.Mean ? 1.0 / Math.Max(active, 1) : 1.0;
        var loss = torch.tensor(sum * scale, embeddings.dtype);
        if (!withGradient)
        {
            return (loss, []);
        }

        // An active term s·(d − β) + α (s = 1 for the positive, −1 for the negative) has d/dβ = −s and d/dd = s, and
        // d(d)/d(d²) = 1/(2d) with d² moving x_i by −2·x_j: the anchor moves by −(s/d)·x_partner per term.
        var betaGradient = torch.zeros(classCount, ScalarType.Float64);
        var bg = ManagedMining.Elements<double>(betaGradient);
        var g = torch.zeros(n, dim, embeddings.dtype);
        var gs = ManagedMining.Elements<T>(g);
        var xs = ManagedMining.Elements<T>(x);
        var s = T.CreateChecked(scale);
        for (var i = 0; i < n; i++)
        {
            var (p, k) = (positives[i], negatives[i]);
            if (p < 0)
            {
                continue;
            }

            var b = T.CreateChecked(beta[(int)label[i]]);
            var (dp, dn) = (T.Sqrt(d[(i * n) + p] + epsilon), T.Sqrt(d[(i * n) + k] + epsilon));
            if (dp - b + a > T.Zero)
            {
                bg[(int)label[i]] -= scale;
                AddPair(gs, xs, dim, i, p, -s / dp);
            }

            if (b - dn + a > T.Zero)
            {
                bg[(int)label[i]] += scale;
                AddPair(gs, xs, dim, i, k, s / dn);
            }
        }

        NormalizeBackward(gs, xs, norms, dim);
        if (classBeta.dtype == ScalarType.Float64)
        {
            return (loss, [g, betaGradient]);
        }

        using (betaGradient)
        {
            return (loss, [g, betaGradient.to(classBeta.dtype)]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Tensor Loss, Tensor[] Gradients) NPair<T>(
        Tensor embeddings, Tensor labels, double l2Weight, Generator? generator, Reduction reduction, bool withGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, dim) = ((int)embeddings.shape[0], (int)embeddings.shape[1]);
        using var e = embeddings.contiguous();
        var es = ManagedMining.Elements<T>(e);
        using var l = labels.contiguous();
        var workspace = MiningWorkspace.Current;
        var classes = ClassLayout.Of(ManagedMining.Elements<long>(l), workspace);
        var positives = workspace.Positives.AsSpan(0, n);
        var random = SplitMix64.From(generator);
        var count = 0;
        for (var i = 0; i < n; i++)
        {
            positives[i] = classes.RandomPositive(i, ref random);
            // An anchor needs a positive and at least one negative.
            if (positives[i] >= 0 && classes.Count[i] < n)
            {
                count++;
            }
            else
            {
                positives[i] = -1;
            }
        }

        var squares = 0.0;
        for (var i = 0; i < n; i++)
        {
            squares += double.CreateChecked(TensorPrimitives.SumOfSquares<T>(es.Slice(i * dim, dim)));
        }

        var l2 = l2Weight * squares / n;
        var scale = reduction == Reduction.Mean ? 1.0 / Math.Max(count, 1) : 1.0;
        using var et = e.t();
        var products = e.mm(et);
        var s = ManagedMining.Elements<T>(products);
        var excluded = T.CreateChecked(-MiningMasks.Excluded);
        var factors = Scratch<T>.Get(RowSumSlot, n);
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            var row = s.Slice(i * n, n);
            var p = positives[i];
            if (p < 0)
            {
                row.Clear();
                factors[i] = T.Zero;
                continue;
            }

            // z_k = a·n_k − a·p over the negatives; log(1 + Σ exp z) = m + log(e^−m + Σ exp(z − m)), m = max(0, max z).
            var anchorPositive = row[p];
            foreach (var j in classes.Class(i))
            {
                row[j] = excluded;
            }

            var m = T.Max(SubtractAndMax(row, anchorPositive), T.Zero);
            var exponentials = ExpAndSum(row, m);
            var denominator = exponentials + T.Exp(-m);
            sum += double.CreateChecked(m + T.Log(denominator));
            // dl_i/dz_ik = the softmax weight of k (the 1 of log(1 + …) in the denominator), the row times
            // scale/denominator; each z_ik also subtracts a_i·p_i, so the positive's column gets minus the row's sum.
            factors[i] = T.CreateChecked(scale) / denominator;
            row[p] = -exponentials;
        }

        // The λ term is part of every anchor's value.
        var loss = torch.tensor((sum + (count * l2)) * scale, embeddings.dtype);
        if (!withGradient)
        {
            products.Dispose();
            return (loss, []);
        }

        // s = e·eᵀ: d/de = (C + Cᵀ)·e, plus the λ term's 2λ/N·e per anchor.
        ScaleAndAddTranspose(s, factors, n);
        using (products)
        {
            var g = products.mm(e);
            if (l2Weight != 0)
            {
                var gs = ManagedMining.Elements<T>(g);
                TensorPrimitives.MultiplyAdd(es, T.CreateChecked(count * scale * 2 * l2Weight / n), gs, gs);
            }

            return (loss, [g]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Tensor Loss, Tensor[] Gradients) Contrastive<T>(
        Tensor embeddings, Tensor labels, double margin, Reduction reduction, bool withGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, dim) = ((int)embeddings.shape[0], (int)embeddings.shape[1]);
        var norms = Scratch<T>.Get(NormSlot, n);
        var rowSums = Scratch<T>.Get(RowSumSlot, n);
        using var x = Normalize(embeddings, norms);
        var squared = SquaredDistances<T>(x);
        var d = ManagedMining.Elements<T>(squared);
        using var l = labels.contiguous();
        var classes = ClassLayout.Of(ManagedMining.Elements<long>(l), MiningWorkspace.Current);
        var (sum, nonzero) = (0.0, 0L);
        for (var i = 0; i < n; i++)
        {
            // Same-class pairs add d²; setting them to +∞ first makes their hinge and coefficient 0 in the pass below.
            var row = d.Slice(i * n, n);
            foreach (var j in classes.Class(i))
            {
                sum += double.CreateChecked(row[j]);
                row[j] = T.PositiveInfinity;
            }

            sum += double.CreateChecked(HingeRow(row, T.CreateChecked(margin)));
            foreach (var j in classes.Class(i))
            {
                row[j] = T.One;
            }

            rowSums[i] = TensorPrimitives.Sum<T>(row);
            nonzero += CountNonZero(row);
        }

        // Each pair i < j appears twice in the full matrix, and the diagonal is zero (same class, d² = 0).
        var pairs = (long)n * (n - 1) / 2;
        var scale = reduction == Reduction.Mean ? (pairs == 0 ? 0 : 0.5 / pairs) : 0.5;
        var loss = torch.tensor(sum * scale, embeddings.dtype);
        if (!withGradient)
        {
            squared.Dispose();
            return (loss, []);
        }

        // Both orders of each pair, each d²_ij moving x_i by 2·(x_i − x_j): 4·scale·(rowsum(C)·x − C·x). Only pairs
        // of one class and pairs of different classes within the margin have a coefficient: once most pairs are
        // beyond it, C·x is a sum of a few rows per row, far cheaper than the dense product (which costs about as
        // much as an axpy per entry at an eighth of the entries).
        Tensor g;
        var xs = ManagedMining.Elements<T>(x);
        using (squared)
        {
            if (nonzero <= (long)n * n / 8)
            {
                g = torch.empty(n, dim, embeddings.dtype);
                SparseProduct<T>(d, xs, ManagedMining.Elements<T>(g), n, dim);
            }
            else
            {
                g = squared.mm(x);
            }
        }

        var gs = ManagedMining.Elements<T>(g);
        var factor = T.CreateChecked(4 * scale);
        for (var i = 0; i < n; i++)
        {
            var gi = gs.Slice(i * dim, dim);
            TensorPrimitives.Negate<T>(gi, gi);
            TensorPrimitives.MultiplyAdd(xs.Slice(i * dim, dim), rowSums[i], gi, gi);
            TensorPrimitives.Multiply(gi, factor, gi);
        }

        NormalizeBackward(gs, xs, norms, dim);
        return (loss, [g]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Tensor Loss, Tensor[] Gradients) ProxyNca<T>(
        Tensor embeddings, Tensor labels, Tensor proxies, Reduction reduction, bool withGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, dim, classCount) = ((int)embeddings.shape[0], (int)embeddings.shape[1], (int)proxies.shape[0]);
        using var l = labels.contiguous();
        var label = ManagedMining.Elements<long>(l);
        foreach (var y in label)
        {
            if ((ulong)y >= (ulong)classCount)
            {
                throw new ArgumentException($"labels must lie in [0, {classCount}) to index the proxies, got {y}", nameof(labels));
            }
        }

        // x = 3·x̂ and p = 3·p̂ for unit rows x̂, p̂: D_ik = ‖x_i − p_k‖² = 9·(‖x̂_i‖² + ‖p̂_k‖² − 2·x̂_i·p̂_k).
        var xNorms = Scratch<T>.Get(NormSlot, n);
        var pNorms = Scratch<T>.Get(RowSumSlot, classCount);
        var pSquares = Scratch<T>.Get(0, classCount);
        var columnSums = Scratch<T>.Get(1, classCount);
        using var xUnit = Normalize(embeddings, xNorms);
        using var pUnit = Normalize(proxies, pNorms);
        var xs = ManagedMining.Elements<T>(xUnit);
        var ps = ManagedMining.Elements<T>(pUnit);
        for (var k = 0; k < classCount; k++)
        {
            pSquares[k] = TensorPrimitives.SumOfSquares<T>(ps.Slice(k * dim, dim));
        }

        Tensor products;
        using (var pt = pUnit.t())
        {
            products = xUnit.mm(pt);
        }

        using var coefficients = products;
        var c = ManagedMining.Elements<T>(coefficients);
        var (scale, nine, excluded) = (reduction == Reduction.Mean ? 1.0 / n : 1.0, T.CreateChecked(LossFunctions.ProxyNcaScale * LossFunctions.ProxyNcaScale), T.CreateChecked(MiningMasks.Excluded));
        columnSums.Clear();
        var rowSums = Scratch<T>.Get(SquareSlot, n);
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            var row = c.Slice(i * classCount, classCount);
            var y = (int)label[i];
            // −D_i, then the own proxy pushed out of the logsumexp over the others.
            TensorPrimitives.Multiply(row, T.CreateChecked(2), row);
            TensorPrimitives.Subtract(row, pSquares, row);
            TensorPrimitives.Subtract(row, TensorPrimitives.SumOfSquares<T>(xs.Slice(i * dim, dim)), row);
            TensorPrimitives.Multiply(row, nine, row);
            TensorPrimitives.Min(row, T.Zero, row);
            var positive = -row[y];
            row[y] = -excluded;
            var m = TensorPrimitives.Max<T>(row);
            var exponentials = ExpAndSum(row, m);
            sum += double.CreateChecked(positive + m + T.Log(exponentials));
            if (withGradient)
            {
                // dl_i/dD_ik = [k = y_i] − softmax_k(−D_i, k ≠ y_i).
                TensorPrimitives.Multiply(row, T.CreateChecked(-scale) / exponentials, row);
                row[y] = T.CreateChecked(scale);
                rowSums[i] = TensorPrimitives.Sum<T>(row);
                TensorPrimitives.Add(columnSums, row, columnSums);
            }
        }

        var loss = torch.tensor(sum * scale, embeddings.dtype);
        if (!withGradient)
        {
            return (loss, []);
        }

        // D_ik moves x_i by 2·(x_i − p_k) and p_k by 2·(p_k − x_i); with x = 3·x̂, p = 3·p̂ and the chain through the
        // scaling, the gradient with respect to x̂ is 18·(rowsum(C)·x̂ − C·p̂), that for p̂ is 18·(colsum(C)·p̂ − Cᵀ·x̂).
        var gx = coefficients.mm(pUnit);
        Tensor gp;
        using (var ct = coefficients.t())
        {
            gp = ct.mm(xUnit);
        }

        var factor = T.CreateChecked(2 * LossFunctions.ProxyNcaScale * LossFunctions.ProxyNcaScale);
        Combine(ManagedMining.Elements<T>(gx), xs, rowSums, factor, dim);
        Combine(ManagedMining.Elements<T>(gp), ps, columnSums, factor, dim);
        NormalizeBackward(ManagedMining.Elements<T>(gx), xs, xNorms, dim);
        NormalizeBackward(ManagedMining.Elements<T>(gp), ps, pNorms, dim);
        return (loss, [gx, gp]);
    }

    /// <summary>Row i of <paramref name="product"/> ← factor·(sums_i·u_i − product_i), in place.</summary>
    private static void Combine<T>(Span<T> product, ReadOnlySpan<T> u, ReadOnlySpan<T> sums, T factor, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < sums.Length; i++)
        {
            var row = product.Slice(i * dim, dim);
            TensorPrimitives.Negate<T>(row, row);
            TensorPrimitives.MultiplyAdd(u.Slice(i * dim, dim), sums[i], row, row);
            TensorPrimitives.Multiply(row, factor, row);
        }
    }

    /// <summary>
    /// Over a row of squared distances d², replaces each by its contrastive coefficient dL/dd² (up to the scale) for a
    /// pair of different classes, h/d with h = min(d − m, 0) = −relu(m − d) and d = √max(d², 1e-12) (0 at the clamp,
    /// where the hinge has no gradient), and returns Σ h².
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T HingeRow<T>(Span<T> row, T margin)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var floor = T.CreateChecked(1e-12);
        var sum = T.Zero;
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(row);
            var (lowest, m, total) = (Vector256.Create(floor), Vector256.Create(margin), Vector256<T>.Zero);
            for (; j <= row.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var q = Vector256.LoadUnsafe(ref start, (nuint)j);
                var distance = Vector256.Sqrt(Vector256.Max(q, lowest));
                var hinge = Vector256.Min(distance - m, Vector256<T>.Zero);
                total += hinge * hinge;
                Vector256.ConditionalSelect(Vector256.GreaterThan(q, lowest), hinge / distance, Vector256<T>.Zero).StoreUnsafe(ref start, (nuint)j);
            }

            sum = Vector256.Sum(total);
        }

        for (; j < row.Length; j++)
        {
            var distance = T.Sqrt(T.Max(row[j], floor));
            var hinge = T.Min(distance - margin, T.Zero);
            sum += hinge * hinge;
            row[j] = row[j] > floor ? hinge / distance : T.Zero;
        }

        return sum;
    }

    /// <summary>x = e / max(‖e‖, 1e-12) per row into a new (N, D) tensor, as <c>nn.functional.normalize</c>, with the denominators in <paramref name="norms"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor Normalize<T>(Tensor embeddings, Span<T> norms)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, dim) = ((int)embeddings.shape[0], (int)embeddings.shape[1]);
        using var e = embeddings.contiguous();
        var x = torch.empty(n, dim, embeddings.dtype);
        var es = ManagedMining.Elements<T>(e);
        var xs = ManagedMining.Elements<T>(x);
        var floor = T.CreateChecked(1e-12);
        for (var i = 0; i < n; i++)
        {
            var row = es.Slice(i * dim, dim);
            norms[i] = T.Max(T.Sqrt(TensorPrimitives.SumOfSquares<T>(row)), floor);
            TensorPrimitives.Divide(row, norms[i], xs.Slice(i * dim, dim));
        }

        return x;
    }

    /// <summary>(N, N) squared distances between the rows of x in a new tensor, clamped at zero against rounding, with a zero diagonal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor SquaredDistances<T>(Tensor x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, dim) = ((int)x.shape[0], (int)x.shape[1]);
        Tensor products;
        using (var xt = x.t())
        {
            products = x.mm(xt);
        }

        var xs = ManagedMining.Elements<T>(x);
        var squares = Scratch<T>.Get(SquareSlot, n);
        for (var i = 0; i < n; i++)
        {
            squares[i] = TensorPrimitives.SumOfSquares<T>(xs.Slice(i * dim, dim));
        }

        // d²_ij = ‖x_i‖² + ‖x_j‖² − 2·x_i·x_j.
        var d = ManagedMining.Elements<T>(products);
        var minusTwo = T.CreateChecked(-2);
        for (var i = 0; i < n; i++)
        {
            var row = d.Slice(i * n, n);
            TensorPrimitives.MultiplyAdd(row, minusTwo, squares, row);
            TensorPrimitives.Add(row, squares[i], row);
            TensorPrimitives.Max(row, T.Zero, row);
            row[i] = T.Zero;
        }

        return products;
    }

    /// <summary>The gradient of w·x_i·x_j: row i gets w·x_j and row j gets w·x_i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddPair<T>(Span<T> gradient, ReadOnlySpan<T> x, int dim, int i, int j, T w)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gi = gradient.Slice(i * dim, dim);
        var gj = gradient.Slice(j * dim, dim);
        TensorPrimitives.MultiplyAdd(x.Slice(j * dim, dim), w, gi, gi);
        TensorPrimitives.MultiplyAdd(x.Slice(i * dim, dim), w, gj, gj);
    }

    /// <summary>The gradient with respect to e from the gradient g with respect to x = e / ‖e‖, in place: (g − x·(x·g)) / ‖e‖.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NormalizeBackward<T>(Span<T> gradient, ReadOnlySpan<T> x, ReadOnlySpan<T> norms, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < norms.Length; i++)
        {
            var g = gradient.Slice(i * dim, dim);
            var xi = x.Slice(i * dim, dim);
            TensorPrimitives.MultiplyAdd(xi, -TensorPrimitives.Dot(xi, g), g, g);
            TensorPrimitives.Divide(g, norms[i], g);
        }
    }

    /// <summary>The number of nonzero entries of <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CountNonZero<T>(ReadOnlySpan<T> row)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var count = 0;
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(row);
            for (; j <= row.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                count += Vector256<T>.Count - BitOperations.PopCount(Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)j), Vector256<T>.Zero).ExtractMostSignificantBits());
            }
        }

        for (; j < row.Length; j++)
        {
            count += row[j] == T.Zero ? 0 : 1;
        }

        return count;
    }

    /// <summary>G = C·X for a sparse (N, N) <paramref name="c"/> and (N, D) <paramref name="x"/>: row i of G sums c_ij·x_j over the nonzero c_ij.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SparseProduct<T>(ReadOnlySpan<T> c, ReadOnlySpan<T> x, Span<T> g, int n, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < n; i++)
        {
            var row = c.Slice(i * n, n);
            var gi = g.Slice(i * dim, dim);
            gi.Clear();
            var j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                ref var start = ref MemoryMarshal.GetReference(row);
                for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count)
                {
                    var bits = ~Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)j), Vector256<T>.Zero).ExtractMostSignificantBits()
                        & ((1u << Vector256<T>.Count) - 1);
                    for (; bits != 0; bits &= bits - 1)
                    {
                        var k = j + BitOperations.TrailingZeroCount(bits);
                        TensorPrimitives.MultiplyAdd(x.Slice(k * dim, dim), row[k], gi, gi);
                    }
                }
            }

            for (; j < n; j++)
            {
                if (row[j] != T.Zero)
                {
                    TensorPrimitives.MultiplyAdd(x.Slice(j * dim, dim), row[j], gi, gi);
                }
            }
        }
    }

    /// <summary>row ← row − <paramref name="value"/>, returning the new maximum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T SubtractAndMax<T>(Span<T> row, T value)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var max = T.NegativeInfinity;
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(row);
            var (v, maxima) = (Vector256.Create(value), Vector256.Create(T.NegativeInfinity));
            for (; j <= row.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var z = Vector256.LoadUnsafe(ref start, (nuint)j) - v;
                maxima = Vector256.Max(maxima, z);
                z.StoreUnsafe(ref start, (nuint)j);
            }

            for (var k = 0; k < Vector256<T>.Count; k++)
            {
                max = T.Max(max, maxima.GetElement(k));
            }
        }

        for (; j < row.Length; j++)
        {
            row[j] -= value;
            max = T.Max(max, row[j]);
        }

        return max;
    }

    /// <summary>
    /// row ← exp(row − <paramref name="shift"/>), returning the new sum, for a shift at least the row's maximum.
    /// Exponentials below e^-80 (float) or e^-700 (double) are set to 0: at most N such terms change a sum that is at
    /// least 1 by less than N·e^-80, and, kept, they and their products would be denormal numbers, each of which costs
    /// the CPU a microcode assist of about a hundred cycles in every later vector operation that reads it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T ExpAndSum<T>(Span<T> row, T shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var floor = T.CreateChecked(typeof(T) == typeof(float) ? -80.0 : -700.0);
        var sum = T.Zero;
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(row);
            var (v, lowest, total) = (Vector256.Create(shift), Vector256.Create(floor), Vector256<T>.Zero);
            for (; j <= row.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var x = Vector256.LoadUnsafe(ref start, (nuint)j) - v;
                var z = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, lowest), VectorExp.NonPositive(Vector256.Max(x, lowest)), Vector256<T>.Zero);
                total += z;
                z.StoreUnsafe(ref start, (nuint)j);
            }

            sum = Vector256.Sum(total);
        }

        for (; j < row.Length; j++)
        {
            var x = row[j] - shift;
            row[j] = x >= floor ? T.Exp(x) : T.Zero;
            sum += row[j];
        }

        return sum;
    }

    /// <summary>
    /// A ← F·A + (F·A)ᵀ in place for a square row-major matrix, F = diag(<paramref name="factors"/>): the row scaling
    /// and the symmetric sum in one pass, in tiles that stay in cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleAndAddTranspose<T>(Span<T> a, ReadOnlySpan<T> factors, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Avx.IsSupported && n % 8 == 0)
        {
            ScaleAndAddTranspose(MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(factors), n);
            return;
        }

        const int Tile = 16;
        ref var start = ref MemoryMarshal.GetReference(a);
        for (var ib = 0; ib < n; ib += Tile)
        {
            var iEnd = Math.Min(ib + Tile, n);
            for (var jb = ib; jb < n; jb += Tile)
            {
                var jEnd = Math.Min(jb + Tile, n);
                for (var i = ib; i < iEnd; i++)
                {
                    var fi = factors[i];
                    ref var row = ref Unsafe.Add(ref start, i * n);
                    for (var j = Math.Max(jb, i); j < jEnd; j++)
                    {
                        ref var upper = ref Unsafe.Add(ref row, j);
                        ref var lower = ref Unsafe.Add(ref start, (j * n) + i);
                        var sum = (fi * upper) + (factors[j] * lower);
                        upper = sum;
                        lower = sum;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="ScaleAndAddTranspose{T}"/> for float32 with N a multiple of 8, in 8 × 8 blocks held in AVX registers:
    /// the scalar version spends most of its time on the strided half of each pair.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleAndAddTranspose(Span<float> a, ReadOnlySpan<float> factors, int n)
    {
        ref var start = ref MemoryMarshal.GetReference(a);
        ref var f = ref MemoryMarshal.GetReference(factors);
        Span<Vector256<float>> upper = stackalloc Vector256<float>[8];
        Span<Vector256<float>> lower = stackalloc Vector256<float>[8];
        for (var ib = 0; ib < n; ib += 8)
        {
            for (var jb = ib; jb < n; jb += 8)
            {
                // Block (ib, jb) holds E_ij, block (jb, ib) holds E_ji; both become f_i·E_ij + f_j·E_ji (transposed).
                for (var r = 0; r < 8; r++)
                {
                    upper[r] = Vector256.LoadUnsafe(ref start, (nuint)(((ib + r) * n) + jb));
                    lower[r] = Vector256.LoadUnsafe(ref start, (nuint)(((jb + r) * n) + ib));
                }

                Transpose8(lower);
                var columnFactors = Vector256.LoadUnsafe(ref f, (nuint)jb);
                for (var r = 0; r < 8; r++)
                {
                    upper[r] = (Vector256.Create(Unsafe.Add(ref f, ib + r)) * upper[r]) + (columnFactors * lower[r]);
                    lower[r] = upper[r];
                }

                Transpose8(lower);
                for (var r = 0; r < 8; r++)
                {
                    upper[r].StoreUnsafe(ref start, (nuint)(((ib + r) * n) + jb));
                    lower[r].StoreUnsafe(ref start, (nuint)(((jb + r) * n) + ib));
                }
            }
        }
    }

    /// <summary>Transposes an 8 × 8 float block held as eight rows.</summary>
    private static void Transpose8(Span<Vector256<float>> rows)
    {
        var t0 = Avx.UnpackLow(rows[0], rows[1]);
        var t1 = Avx.UnpackHigh(rows[0], rows[1]);
        var t2 = Avx.UnpackLow(rows[2], rows[3]);
        var t3 = Avx.UnpackHigh(rows[2], rows[3]);
        var t4 = Avx.UnpackLow(rows[4], rows[5]);
        var t5 = Avx.UnpackHigh(rows[4], rows[5]);
        var t6 = Avx.UnpackLow(rows[6], rows[7]);
        var t7 = Avx.UnpackHigh(rows[6], rows[7]);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        rows[0] = Avx.Permute2x128(s0, s4, 0x20);
        rows[1] = Avx.Permute2x128(s1, s5, 0x20);
        rows[2] = Avx.Permute2x128(s2, s6, 0x20);
        rows[3] = Avx.Permute2x128(s3, s7, 0x20);
        rows[4] = Avx.Permute2x128(s0, s4, 0x31);
        rows[5] = Avx.Permute2x128(s1, s5, 0x31);
        rows[6] = Avx.Permute2x128(s2, s6, 0x31);
        rows[7] = Avx.Permute2x128(s3, s7, 0x31);
    }

    /// <summary>A CPU float32 or float64 vector's values as doubles.</summary>
    private static void ReadAsDouble(Tensor vector, Span<double> values)
    {
        using var v = vector.contiguous();
        if (v.dtype == ScalarType.Float64)
        {
            ManagedMining.Elements<double>(v).CopyTo(values);
            return;
        }

        var floats = ManagedMining.Elements<float>(v);
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = floats[k];
        }
    }
}
