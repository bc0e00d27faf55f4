using LossLab.Evaluation;
using LossLab.Experiments;
using LossLab.Runs;

namespace LossLab.Reporting;

/// <summary>One run as a report sees it: its spec, state, summary and per-epoch metrics.</summary>
/// <param name="Spec">Id, options and varied values.</param>
/// <param name="Path">Folder the run was read from, or null when it was not found.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="History">Per-epoch metrics (empty when none).</param>
/// <param name="Config">Its <c>config.json</c>, or null.</param>
public sealed record RunRecord(RunSpec Spec, string? Path, RunStatus Status, IReadOnlyList<EpochMetrics> History, RunConfig? Config)
{
    /// <summary>Whether every epoch finished.</summary>
    public bool Completed => Status.State == RunState.Completed;

    /// <summary>Metrics after the last epoch of a completed run, else null.</summary>
    public EpochMetrics? Final => Completed ? Status.Summary?.Final : null;

    /// <summary>A varied value, or the empty string.</summary>
    public string Value(string key) => Spec.Values.TryGetValue(key, out var v) ? v : "";
}
