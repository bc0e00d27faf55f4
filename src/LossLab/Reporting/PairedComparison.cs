namespace LossLab.Reporting;

/// <summary>The paired tests of the reference loss against one baseline, as the report's table and verdict show them.</summary>
/// <param name="Baseline">The other loss.</param>
/// <param name="Pairs">Seeds both completed.</param>
/// <param name="F1">Test of final macro-F1 (reference − baseline), or null with fewer than 2 pairs.</param>
/// <param name="Nmi">Test of final NMI, or null with fewer than 2 pairs.</param>
internal sealed record PairedComparison(string Baseline, int Pairs, PairedTestResult? F1, PairedTestResult? Nmi);
