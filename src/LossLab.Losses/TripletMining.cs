using System.Text.Json.Serialization;

namespace LossLab.Losses;

/// <summary>How the triplet loss picks one triplet per anchor.</summary>
[JsonConverter(typeof(KebabCaseEnumJsonConverter<TripletMining>))]
public enum TripletMining
{
    /// <summary>Random positive; random negative with d_ap &lt; d_an &lt; d_ap + margin, else a random negative (<c>semi-hard</c>, the default).</summary>
    SemiHard,

    /// <summary>Farthest positive and nearest negative in the batch (<c>batch-hard</c>).</summary>
    BatchHard,
}
