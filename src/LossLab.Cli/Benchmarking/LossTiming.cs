namespace LossLab.Cli.Benchmarking;

/// <summary>Forward + backward time of the improved loss against cross-entropy on the same logits (medians over repeats).</summary>
/// <param name="Rows">N of the (N, C) logits.</param>
/// <param name="Classes">C of the (N, C) logits.</param>
/// <param name="ImprovedMicroseconds">The <c>improved</c> loss module (beta 4, gamma 5).</param>
/// <param name="CeMicroseconds">The <c>ce</c> loss module.</param>
/// <param name="NativeCeMicroseconds">TorchSharp's <c>cross_entropy</c> with mean reduction: one native op.</param>
/// <param name="ImprovedOverCe">Improved over the faster of the two cross-entropies.</param>
public sealed record LossTiming(int Rows, int Classes, double ImprovedMicroseconds, double CeMicroseconds, double NativeCeMicroseconds, double ImprovedOverCe);
