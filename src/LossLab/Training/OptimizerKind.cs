using System.Text.Json.Serialization;
using LossLab.Losses;

namespace LossLab.Training;

/// <summary>The optimizer of the model (<c>--optimizer</c>).</summary>
[JsonConverter(typeof(KebabCaseEnumJsonConverter<OptimizerKind>))]
public enum OptimizerKind
{
    /// <summary>Adam (<c>adam</c>, the default).</summary>
    Adam,

    /// <summary>SGD with momentum (<c>sgd</c>).</summary>
    Sgd,
}
