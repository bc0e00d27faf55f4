using System.Text.Json.Serialization;
using LossLab.Losses;

namespace LossLab.Training;

/// <summary>Whether training batches are augmented with a pad-4 random crop and a horizontal flip (<c>--augment</c>).</summary>
[JsonConverter(typeof(KebabCaseEnumJsonConverter<AugmentMode>))]
public enum AugmentMode
{
    /// <summary>On for 32×32 colour datasets, off otherwise (<c>auto</c>, the default).</summary>
    Auto,

    /// <summary>Always (<c>on</c>).</summary>
    On,

    /// <summary>Never (<c>off</c>).</summary>
    Off,
}
