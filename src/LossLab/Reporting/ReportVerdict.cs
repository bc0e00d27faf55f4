namespace LossLab.Reporting;

/// <summary>What an experiment found, in a few sentences generated from its numbers, shown under the report's title.</summary>
/// <param name="Summary">The finding: which loss or setting scored highest, and what the paired tests support.</param>
/// <param name="Caution">One line on what limits the finding (e.g. fewer than 5 seeds), or null.</param>
public sealed record ReportVerdict(string Summary, string? Caution = null);
