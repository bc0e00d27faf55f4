namespace LossLab.Reporting;

/// <summary>A figure the paper reports (SPEC §6), shown beside ours in reports.</summary>
/// <param name="Experiment">E1…E4, or <c>E4-table1</c> / <c>E4-fig9</c> for the two parts of E4.</param>
/// <param name="Loss">Loss it describes.</param>
/// <param name="Metric"><c>f1</c>, <c>nmi</c>, <c>recall@1</c> or <c>recall@8</c>.</param>
/// <param name="Text">As the paper states it: a number, a range or a comparison.</param>
/// <param name="Value">The number, when the paper gives one.</param>
public sealed record PaperFigure(string Experiment, string Loss, string Metric, string Text, double? Value = null);
