using System.Globalization;
using System.Text;
using LossLab.Losses;
using LossLab.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Reporting;

/// <summary>
/// The shape of the improved loss (what the paper's loss figures show): with two classes and logits (x, 0), the
/// true class first, the loss and its derivative dloss/dx against the margin x, for several beta and gamma.
/// </summary>
public static class LossLandscape
{
    /// <summary>Column names of <c>loss.csv</c>.</summary>
    public static IReadOnlyList<string> Columns { get; } = ["beta", "gamma", "x", "loss", "grad"];

    /// <summary>Evenly spaced margins from <paramref name="min"/> to <paramref name="max"/>, both included.</summary>
    /// <param name="min">First x.</param>
    /// <param name="max">Last x, greater than <paramref name="min"/>.</param>
    /// <param name="points">Number of points, ≥ 2.</param>
    public static double[] Margins(double min, double max, int points)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 2);
        if (!(max > min) || !double.IsFinite(min) || !double.IsFinite(max))
        {
            throw new ArgumentException($"--x-min {min} must be below --x-max {max}, both finite", nameof(max));
        }

        return Enumerable.Range(0, points).Select(i => min + ((max - min) * i / (points - 1))).ToArray();
    }

    /// <summary>The loss and dloss/dx (by autograd through the loss's analytic gradient, in float64) for every beta × gamma × x.</summary>
    /// <param name="betas">Softmax scales, each &gt; 0.</param>
    /// <param name="gammas">Focusing exponents, each ≥ 0.</param>
    /// <param name="margins">Logit margins x.</param>
    /// <returns>Rows ordered by beta, then gamma, then x.</returns>
    public static IReadOnlyList<LossPoint> Compute(IReadOnlyList<double> betas, IReadOnlyList<double> gammas, IReadOnlyList<double> margins)
    {
        ArgumentNullException.ThrowIfNull(betas);
        ArgumentNullException.ThrowIfNull(gammas);
        ArgumentNullException.ThrowIfNull(margins);
        if (betas.Count == 0 || gammas.Count == 0 || margins.Count == 0)
        {
            throw new ArgumentException("at least one beta, one gamma and one x are needed", nameof(betas));
        }

        var rows = new List<LossPoint>();
        foreach (var beta in betas)
        {
            foreach (var gamma in gammas)
            {
                using var scope = torch.NewDisposeScope();
                var x = torch.tensor(margins.ToArray(), ScalarType.Float64).requires_grad_();
                var logits = torch.stack([x, torch.zeros_like(x)], 1);
                var labels = torch.zeros(margins.Count, ScalarType.Int64);
                var loss = LossFunctions.Improved(logits, labels, beta, gamma, reduction: Reduction.None);

                // Each loss depends on its own x only, so the gradient of the sum is dloss_i/dx_i.
                loss.sum().backward();
                var values = loss.detach().data<double>().ToArray();
                var grads = x.grad!.data<double>().ToArray();
                rows.AddRange(margins.Select((m, i) => new LossPoint(beta, gamma, m, values[i], grads[i])));
            }
        }

        return rows;
    }

    /// <summary>Writes <c>loss.csv</c> (columns beta,gamma,x,loss,grad; invariant culture, round-trip precision), atomically.</summary>
    public static void WriteCsv(string path, IReadOnlyList<LossPoint> rows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(rows);
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(',', Columns));
        foreach (var row in rows)
        {
            csv.AppendLine(string.Join(',', new[] { row.Beta, row.Gamma, row.X, row.Loss, row.Grad }.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }

        AtomicFile.WriteText(path, csv.ToString());
    }

    /// <summary>Plots the loss and |dloss/dx| against x, one line per (beta, gamma), as <c>loss</c> and <c>grad</c> PNG + SVG in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<SavedPlot> Plot(string directory, IReadOnlyList<LossPoint> rows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(rows);
        var groups = rows.GroupBy(r => (r.Beta, r.Gamma)).ToArray();
        var style = PlotStyle.Default with { MarkerSize = 0 };
        var loss = groups.Select(g => new Series(Label(g.Key.Beta, g.Key.Gamma), g.Select(r => r.X).ToArray(), g.Select(r => r.Loss).ToArray())).ToArray();
        var grad = groups.Select(g => new Series(Label(g.Key.Beta, g.Key.Gamma), g.Select(r => r.X).ToArray(), g.Select(r => Math.Abs(r.Grad)).ToArray())).ToArray();
        return
        [
            PlotWriter.SaveLines(Path.Combine(directory, "loss"), "Improved loss, logits (x, 0), true class first", "logit margin x", "loss", loss, style),
            PlotWriter.SaveLines(Path.Combine(directory, "grad"), "Gradient magnitude", "logit margin x", "|dloss/dx|", grad, style),
        ];
    }

    private static string Label(double beta, double gamma) => string.Create(CultureInfo.InvariantCulture, $"β={beta}, γ={gamma}");
}
