using System.Text.Json;
using TorchSharp;
using static LossLab.Losses.Tests.LossReference;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

public sealed class LossOptionsTests
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in LossRegistry.Names)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Should_ReadBackTheSameOptions_When_WrittenAsJson(string name)
    {
        // Given a loss's options with every option set to a value other than its default
        var definition = LossRegistry.Find(name);
        var options = definition.Defaults;
        foreach (var option in definition.Options)
        {
            var value = option.ValueType == typeof(double) ? "0.25"
                : option.IsSwitch ? "true"
                : option.ValueType == typeof(ClassWeights) ? "effective-number:0.9"
                : option.Choices[^1];
            options = option.With(options, value);
        }

        // When it is written as LossOptions and read back
        var json = JsonSerializer.Serialize<LossOptions>(options, Json);
        var read = JsonSerializer.Deserialize<LossOptions>(json, Json);

        // Then the loss is named first, and the options read back equal, every value included
        Assert.StartsWith($"{{\"loss\":\"{name}\"", json, StringComparison.Ordinal);
        Assert.Equal(options, read);
        Assert.All(definition.Options, o => Assert.Equal(o.Format(options), o.Format(read!)));
    }

    [Fact]
    public void Should_WriteNamesNotNumbers_When_OptionsHoldAnEnumAndClassWeights()
    {
        // Given options with an enum and class weights
        LossOptions triplet = new TripletLossOptions { Mining = TripletMining.BatchHard };
        LossOptions improved = new ImprovedLossOptions { Alpha = ClassWeights.Of(1, 0.5) };

        // When they are written
        var tripletJson = JsonSerializer.Serialize(triplet, Json);
        var improvedJson = JsonSerializer.Serialize(improved, Json);

        // Then the enum is its kebab-case name and the weights their text form, beside every default
        Assert.Equal("{\"loss\":\"triplet\",\"margin\":0.2,\"mining\":\"batch-hard\",\"sampling_seed\":null}", tripletJson);
        Assert.Equal("{\"loss\":\"improved\",\"beta\":4,\"gamma\":5,\"alpha\":\"1,0.5\"}", improvedJson);
    }

    [Theory]
    [InlineData("{\"beta\":4,\"gamma\":10}", "must name their loss")]
    [InlineData("{\"loss\":\"hinge\"}", "unknown loss 'hinge'")]
    [InlineData("{\"loss\":\"triplet\",\"mining\":1}", "")]
    public void Should_FailClearly_When_JsonIsFromAnOlderVersionOrWrong(string json, string expected)
    {
        // Given / When options written without a loss name (as before per-loss options), for an unknown loss, or with a number for an enum
        var error = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<LossOptions>(json, Json));

        // Then reading fails with a JSON error that says why
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_RejectTheValue_When_JsonHoldsAnOutOfRangeOption()
    {
        // Given / When a hand-edited file with a negative gamma
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => JsonSerializer.Deserialize<LossOptions>("{\"loss\":\"improved\",\"gamma\":-1}", Json));

        // Then the record's own check rejects it, naming the property
        Assert.Equal("Gamma", error.ParamName);
    }

    [Fact]
    public void Should_MatchNumPyReference_When_WeightsComeFromTheEffectiveNumber()
    {
        foreach (var c in Root.GetProperty("class_weights").EnumerateArray())
        {
            // Given class counts and B from the reference
            var counts = Indices(c.GetProperty("counts"));
            var b = c.GetProperty("beta").GetDouble();
            var context = new LossContext(counts.Length, 8, counts);

            // When the effective-number weights are resolved, from the record and from the text a user types
            var weights = ClassWeights.EffectiveNumber(b).Resolve(context);
            var parsed = ClassWeights.Parse($"effective-number:{b.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}").Resolve(context);

            // Then they match NumPy's, with mean 1 over the classes
            AssertClose(Vector(c.GetProperty("weights")), torch.tensor(weights), 1e-12, $"B={b}");
            Assert.Equal(weights, parsed);
            Assert.Equal(1.0, weights.Average(), 12);
        }
    }

    [Fact]
    public void Should_WeightTheLossByClass_When_AlphaIsTheEffectiveNumber()
    {
        // Given an improved loss with effective-number weights from the training counts of 3 classes
        using var scope = NewDisposeScope();
        torch.manual_seed(41);
        var context = new LossContext(3, 8, [600, 60, 6]);
        var options = (ImprovedLossOptions)LossRegistry.Find("improved").With(new ImprovedLossOptions(), "alpha", "effective-number:0.99");
        using var loss = LossRegistry.Create(options, context);
        var logits = torch.randn(9, 3, dtype: ScalarType.Float64);
        var labels = torch.arange(3).repeat(3);

        // When it is computed, and the same loss with the resolved weights given one per class
        var weighted = loss.forward(logits, labels);
        var expected = LossFunctions.Improved(logits, labels, 4, 5, torch.tensor(ClassWeights.EffectiveNumber(0.99).Resolve(context), dtype: ScalarType.Float64));

        // Then they agree (alpha is held in float32), and the rare class weighs more than the frequent one
        AssertClose(expected.item<double>(), weighted, 1e-6, "weighted loss");
        var alpha = ClassWeights.EffectiveNumber(0.99).Resolve(context);
        Assert.True(alpha[2] > alpha[1] && alpha[1] > alpha[0], string.Join(", ", alpha));
    }

    [Theory]
    [InlineData("1, 2,0.5", "1,2,0.5")]
    [InlineData("effective-number:0.990", "effective-number:0.99")]
    public void Should_KeepOneTextForm_When_WeightsAreParsed(string text, string canonical)
    {
        // Given / When class weights as a user types them
        var weights = ClassWeights.Parse(text);

        // Then their text form is canonical and reads back equal
        Assert.Equal(canonical, weights.ToString());
        Assert.Equal(weights, ClassWeights.Parse(weights.ToString()));
    }

    [Theory]
    [InlineData("effective-number:1")]
    [InlineData("effective-number:-0.1")]
    [InlineData("effective-number:x")]
    [InlineData("1,x")]
    [InlineData("1,1e39")]
    [InlineData("")]
    public void Should_Reject_When_WeightsAreInvalid(string text)
    {
        // Given / When / Then B outside [0, 1), a non-number, a weight beyond float32 or no weight is rejected
        Assert.ThrowsAny<ArgumentException>(() => ClassWeights.Parse(text));
    }

    [Fact]
    public void Should_NameTheMissingCounts_When_EffectiveNumberHasNoCounts()
    {
        // Given / When / Then effective-number weights without class counts fail naming what is missing
        var error = Assert.Throws<InvalidOperationException>(() => ClassWeights.EffectiveNumber(0.9).Resolve(new LossContext(3, 8)));
        Assert.Contains("per class", error.Message, StringComparison.Ordinal);
    }
}
