using System.Diagnostics;
using LossLab.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Cli.Benchmarking;

/// <summary>Times the improved loss's forward + backward against cross-entropy's, interleaved, on random logits.</summary>
public static class LossBenchmark
{
    /// <summary>The shortest warm-up of each contender.</summary>
    internal static readonly TimeSpan WarmupTime = TimeSpan.FromSeconds(0.25);

    /// <summary>Runs <paramref name="repeats"/> interleaved rounds of <paramref name="iterations"/> forward + backward passes of each loss.</summary>
    /// <param name="rows">N of the (N, C) logits. Default 256.</param>
    /// <param name="classes">C of the (N, C) logits. Default 100.</param>
    /// <param name="repeats">Rounds; medians are taken over them. Default 5.</param>
    /// <param name="iterations">Passes per loss per round. Default 300.</param>
    /// <param name="seed">Seed of the logits and labels.</param>
    public static LossTiming Run(int rows = 256, int classes = 100, int repeats = 5, int iterations = 300, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        torch.manual_seed(seed);
        using var logits = (torch.randn(rows, classes) * 3).requires_grad_();
        using var labels = torch.randint(classes, [rows], dtype: ScalarType.Int64);
        using var improved = new ImprovedLoss();
        using var ce = new CrossEntropyLoss();
        Tensor[] inputs = [logits];
        var times = Interleaved(
            [
                ("improved", () => improved.forward(logits, labels), inputs),
                ("ce", () => ce.forward(logits, labels), inputs),
                ("native-ce", () => nn.functional.cross_entropy(logits, labels), inputs),
            ],
            repeats,
            iterations);
        var (imp, mod, native) = (times["improved"], times["ce"], times["native-ce"]);
        return new LossTiming(rows, classes, imp, mod, native, imp / Math.Min(mod, native));
    }

    /// <summary>
    /// Median microseconds per forward + backward pass of each contender over <paramref name="repeats"/> rounds of
    /// <paramref name="iterations"/> passes, after a warm-up of at least a tenth of that and <see cref="WarmupTime"/>; the order alternates between rounds
    /// so that a drift in machine load does not favour one contender.
    /// </summary>
    /// <param name="contenders">Name, the loss, and the tensors whose gradients a training step needs.</param>
    /// <param name="repeats">Rounds; medians are taken over them.</param>
    /// <param name="iterations">Passes per contender per round.</param>
    internal static Dictionary<string, double> Interleaved(
        IReadOnlyList<(string Name, Func<Tensor> Loss, Tensor[] Inputs)> contenders, int repeats, int iterations)
    {
        var times = contenders.ToDictionary(c => c.Name, _ => new List<double>());
        foreach (var (_, loss, inputs) in contenders)
        {
            // At least a tenth of a round and a quarter of a second each, so that the runtime's tiered compilation
            // has replaced the first, unoptimised code of every contender before timing starts.
            var warmup = Stopwatch.StartNew();
            do
            {
                Time(loss, inputs, Math.Max(1, iterations / 10));
            }
            while (warmup.Elapsed < WarmupTime);
        }

        for (var r = 0; r < repeats; r++)
        {
            var order = r % 2 == 0 ? contenders : contenders.Reverse().ToArray();
            foreach (var (name, loss, inputs) in order)
            {
                times[name].Add(Time(loss, inputs, iterations) * 1e6 / iterations);
            }
        }

        return times.ToDictionary(t => t.Key, t => Medians.Of(t.Value));
    }

    private static double Time(Func<Tensor> loss, Tensor[] inputs, int iterations)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            using var scope = torch.NewDisposeScope();
            // The gradients a training step needs, without accumulating into .grad.
            torch.autograd.grad([loss()], inputs);
        }

        return watch.Elapsed.TotalSeconds;
    }
}
