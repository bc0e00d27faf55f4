namespace LossLab.Reporting;

/// <summary>One row of <c>loss.csv</c>: the improved loss and its derivative at one logit margin.</summary>
/// <param name="Beta">Softmax scale.</param>
/// <param name="Gamma">Focusing exponent.</param>
/// <param name="X">Logit of the true class; the other class's logit is 0, so x is the margin.</param>
/// <param name="Loss">The loss at logits (x, 0), true class first.</param>
/// <param name="Grad">dloss/dx.</param>
public sealed record LossPoint(double Beta, double Gamma, double X, double Loss, double Grad);
