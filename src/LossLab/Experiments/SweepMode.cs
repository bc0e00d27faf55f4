using System.Text.Json.Serialization;

namespace LossLab.Experiments;

/// <summary>How a sweep walks its axes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SweepMode>))]
public enum SweepMode
{
    /// <summary>Every combination of the axes' values (a Cartesian grid), then the best one.</summary>
    Grid,

    /// <summary>
    /// The paper's search: one axis at a time in order (later axes at their first value, earlier ones at their
    /// best), each followed by bisection refinement inside its range when it has one.
    /// </summary>
    Coordinate,
}
