using LossLab.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Cli.Benchmarking;

/// <summary>
/// Times each metric loss's forward + backward against cross-entropy's on the same batch of embeddings, interleaved.
/// Cross-entropy is timed as training uses it: the classifier head (a linear layer from the embedding to the classes)
/// followed by the loss, with gradients for the embeddings and the head. A metric loss is timed as its module runs in
/// training (normalisation, mining or sampling, the loss), with gradients for the embeddings and its own learnable
/// parameters (margin boundaries, proxies).
/// </summary>
public static class EmbeddingLossBenchmark
{
    /// <summary>The contenders besides <c>ce</c>: every loss that trains embeddings, triplet in both minings.</summary>
    public static IReadOnlyList<string> Contenders { get; } =
        ["triplet", "triplet-batch-hard", "margin", "proxynca", "npair", "contrastive"];

    /// <summary>Runs <paramref name="repeats"/> interleaved rounds of <paramref name="iterations"/> forward + backward passes of each loss.</summary>
    /// <param name="rows">Batch size N; a P×K batch of <paramref name="samplesPerClass"/> images per class. Default 256.</param>
    /// <param name="dim">Embedding width D. Default 128.</param>
    /// <param name="samplesPerClass">K of the P×K batch; P = N / K classes. Default 4.</param>
    /// <param name="repeats">Rounds; medians are taken over them. Default 5.</param>
    /// <param name="iterations">Passes per loss per round. Default 200.</param>
    /// <param name="seed">Seed of the embeddings and of the losses' draws.</param>
    public static EmbeddingLossTiming Run(int rows = 256, int dim = 128, int samplesPerClass = 4, int repeats = 5, int iterations = 200, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerClass, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 2 * samplesPerClass);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var classes = rows / samplesPerClass;
        torch.manual_seed(seed);
        using var embeddings = torch.randn(rows, dim).requires_grad_();
        using var labels = torch.arange(rows, dtype: ScalarType.Int64).div_(samplesPerClass, rounding_mode: RoundingMode.floor).clamp_max_(classes - 1);
        using var head = nn.Linear(dim, classes);
        var losses = new Dictionary<string, LossModule>();
        try
        {
            foreach (var name in Contenders)
            {
                LossOptions options = name switch
                {
                    "triplet" => new TripletLossOptions { SamplingSeed = seed },
                    "triplet-batch-hard" => new TripletLossOptions { Mining = TripletMining.BatchHard, SamplingSeed = seed },
                    "margin" => new MarginLossOptions { SamplingSeed = seed },
                    "npair" => new NPairLossOptions { SamplingSeed = seed },
                    _ => LossRegistry.Find(name).Defaults,
                };
                losses[name] = LossRegistry.Create(options, new LossContext(classes, dim));
            }

            Tensor[] headInputs = [embeddings, .. head.parameters()];
            var contenders = new List<(string Name, Func<Tensor> Loss, Tensor[] Inputs)>
            {
                ("ce", () => nn.functional.cross_entropy(head.forward(embeddings), labels), headInputs),
            };
            foreach (var (name, loss) in losses)
            {
                contenders.Add((name, () => loss.forward(embeddings, labels), [embeddings, .. loss.parameters()]));
            }

            var times = LossBenchmark.Interleaved(contenders, repeats, iterations);
            var ce = times["ce"];
            var medians = Contenders.ToDictionary(name => name, name => times[name]);
            return new EmbeddingLossTiming(rows, dim, classes, ce, medians, medians.ToDictionary(p => p.Key, p => p.Value / ce));
        }
        finally
        {
            foreach (var loss in losses.Values)
            {
                loss.Dispose();
            }
        }
    }
}
