using System.Text.Json.Serialization;

namespace LossLab.Losses;

/// <summary>
/// Base of the loss options: each loss has one immutable sealed record deriving from this one (for example
/// <see cref="ImprovedLossOptions"/>), which holds its defaults and checks every value when it is set, naming the
/// property. <see cref="LossRegistry"/> maps each record to its loss; the properties marked with
/// <see cref="LossOptionAttribute"/> are the loss's command-line flags and sweep keys. In JSON a record is an object
/// whose <c>loss</c> member names the loss, followed by every option.
/// </summary>
[JsonConverter(typeof(LossOptionsJsonConverter))]
public abstract record LossOptions;
