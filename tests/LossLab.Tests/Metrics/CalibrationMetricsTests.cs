using System.Text.Json;
using LossLab.Metrics;

namespace LossLab.Tests.Metrics;

public sealed class CalibrationMetricsTests
{
    private static readonly Lazy<JsonElement> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(TestData.Reference("calibration_reference.json"))).RootElement);

    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var c in Reference.Value.GetProperty("cases").EnumerateArray())
        {
            names.Add(c.GetProperty("name").GetString()!);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Should_MatchNumPy_When_ComputingCalibration(string name)
    {
        // Given probabilities (and, for some cases, the log-probabilities they came from) scored by NumPy
        var reference = Case(name);
        var numClasses = reference.GetProperty("num_classes").GetInt32();
        var labels = reference.GetProperty("labels").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var expected = reference.GetProperty("expected");

        // When the calibration is computed from what the case gives
        var report = reference.TryGetProperty("log_probabilities", out var logProbabilities)
            ? CalibrationMetrics.FromLogProbabilities(Flatten(logProbabilities), labels, numClasses)
            : CalibrationMetrics.FromProbabilities(Flatten(reference.GetProperty("probabilities")), labels, numClasses);

        // Then ECE, NLL, Brier and every bin agree to 1e-9
        Assert.Equal(expected.GetProperty("ece").GetDouble(), report.Ece, 1e-9);
        Assert.Equal(expected.GetProperty("nll").GetDouble(), report.Nll, 1e-9);
        Assert.Equal(expected.GetProperty("brier").GetDouble(), report.Brier, 1e-9);
        var bins = expected.GetProperty("bins").EnumerateArray().ToArray();
        Assert.Equal(bins.Length, report.Bins.Count);
        for (var b = 0; b < bins.Length; b++)
        {
            Assert.Equal(bins[b].GetProperty("count").GetInt64(), report.Bins[b].Count);
            Assert.Equal(bins[b].GetProperty("mean_confidence").GetDouble(), report.Bins[b].MeanConfidence, 1e-9);
            Assert.Equal(bins[b].GetProperty("accuracy").GetDouble(), report.Bins[b].Accuracy, 1e-9);
        }
    }

    [Fact]
    public void Should_SpanTheUnitIntervalInEqualBins_When_Computed()
    {
        // Given any valid input
        double[] probabilities = [0.3, 0.7];

        // When scored
        var report = CalibrationMetrics.FromProbabilities(probabilities, [1L], 2);

        // Then the 15 bins tile (0, 1] in order
        Assert.Equal(CalibrationMetrics.DefaultBins, report.Bins.Count);
        Assert.Equal(0.0, report.Bins[0].Lower);
        Assert.Equal(1.0, report.Bins[^1].Upper);
        for (var b = 1; b < report.Bins.Count; b++)
        {
            Assert.Equal(report.Bins[b - 1].Upper, report.Bins[b].Lower);
            Assert.Equal(1.0 / 15, report.Bins[b].Upper - report.Bins[b].Lower, 1e-12);
        }
    }

    [Fact]
    public void Should_RejectBadInput_When_ProbabilitiesOrLabelsAreInvalid()
    {
        // Given inputs that are not a probability table with labels in range
        // When scored, Then each is refused naming what is wrong
        Assert.Throws<ArgumentException>(() => CalibrationMetrics.FromProbabilities([0.5, 0.5, 0.5], [0L], 2));
        Assert.Throws<ArgumentException>(() => CalibrationMetrics.FromProbabilities([1.5, -0.5], [0L], 2));
        Assert.Throws<ArgumentException>(() => CalibrationMetrics.FromProbabilities([double.NaN, 1.0], [0L], 2));
        Assert.Throws<ArgumentException>(() => CalibrationMetrics.FromProbabilities([], [], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => CalibrationMetrics.FromProbabilities([0.5, 0.5], [2L], 2));
    }

    private static JsonElement Case(string name) =>
        Reference.Value.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static double[] Flatten(JsonElement rows) =>
        rows.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();
}
