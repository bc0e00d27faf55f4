using System.Diagnostics;
using LossLab.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Benchmarking;

/// <summary>Times the improved loss's forward + backward against cross-entropy's, interleaved, on random logits.</summary>
public static class LossBenchmark
{
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
        var contenders = new (string Name, Func<Tensor> Loss)[]
        {
            ("improved", () => improved.forward(logits, labels)),
            ("ce", () => ce.forward(logits, labels)),
            ("native-ce", () => nn.functional.cross_entropy(logits, labels)),
        };
        var times = contenders.ToDictionary(c => c.Name, _ => new List<double>());
        foreach (var (_, loss) in contenders)
        {
            Time(logits, loss, Math.Max(1, iterations / 10));
        }

        for (var r = 0; r < repeats; r++)
        {
            // Alternate the order so that a drift in machine load does not favour one contender.
            var order = r % 2 == 0 ? contenders : contenders.Reverse().ToArray();
            foreach (var (name, loss) in order)
            {
                times[name].Add(Time(logits, loss, iterations) * 1e6 / iterations);
            }
        }

        var (imp, mod, native) = (Medians.Of(times["improved"]), Medians.Of(times["ce"]), Medians.Of(times["native-ce"]));
        return new LossTiming(rows, classes, imp, mod, native, imp / Math.Min(mod, native));
    }

    private static double Time(Tensor logits, Func<Tensor> loss, int iterations)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            using var scope = torch.NewDisposeScope();
            // The gradient of the logits, as a training step needs it, without accumulating into .grad.
            torch.autograd.grad([loss()], [logits]);
        }

        return watch.Elapsed.TotalSeconds;
    }
}
