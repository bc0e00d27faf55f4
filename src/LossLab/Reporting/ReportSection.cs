namespace LossLab.Reporting;

/// <summary>One part of a report (usually one experiment): text, tables, figures and appendix tables, in that order.</summary>
/// <param name="Title">Section heading.</param>
/// <param name="Paragraphs">Sentences describing the experiment and its outcome.</param>
/// <param name="Tables">Its tables.</param>
/// <param name="Figures">Its figures.</param>
/// <param name="Appendix">Tables after the figures (e.g. every run).</param>
/// <param name="Details">Lines shown only in the HTML (timings, paths): what differs between machines and reruns.</param>
public sealed record ReportSection(
    string Title,
    IReadOnlyList<string> Paragraphs,
    IReadOnlyList<ReportTable> Tables,
    IReadOnlyList<ReportFigure> Figures,
    IReadOnlyList<ReportTable> Appendix,
    IReadOnlyList<string> Details)
{
    /// <summary>What the section's experiment found, shown under the report's title; null for none (e.g. a table of other sections).</summary>
    public ReportVerdict? Verdict { get; init; }
}
