using System.Text.Json.Serialization;
using LossLab.Losses;

namespace LossLab.Training;

/// <summary>What a run does when the loss or a gradient is NaN or infinite (<c>--on-nan</c>).</summary>
[JsonConverter(typeof(KebabCaseEnumJsonConverter<NanPolicy>))]
public enum NanPolicy
{
    /// <summary>End the run, naming the epoch and batch (<c>stop</c>, the default).</summary>
    Stop,

    /// <summary>Skip that batch's update and count it (<c>skip-batch</c>).</summary>
    SkipBatch,
}
