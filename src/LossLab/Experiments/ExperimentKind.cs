using System.Text.Json.Serialization;

namespace LossLab.Experiments;

/// <summary>What an experiment directory holds.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExperimentKind>))]
public enum ExperimentKind
{
    /// <summary>Several losses (and seeds) on the same model, data and budget.</summary>
    Compare,

    /// <summary>A grid or a coordinate search over options, selecting the best setting.</summary>
    Sweep,

    /// <summary>Run directories gathered without a plan (e.g. separate <c>losslab train</c> runs).</summary>
    Runs,
}
