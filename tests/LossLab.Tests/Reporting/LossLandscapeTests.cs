using System.Text.Json;
using LossLab.Reporting;

namespace LossLab.Tests.Reporting;

public sealed class LossLandscapeTests
{
    [Fact]
    public void Should_MatchPyTorchAutograd_When_ComputingLossAndGradient()
    {
        // Given PyTorch's loss and dloss/dx at logits (x, 0) for beta ∈ {1, 4}, gamma ∈ {0, 0.5, 2, 5}
        using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "loss_landscape_reference.json")));
        var root = reference.RootElement;
        double[] Values(string name) => root.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();

        // When LossLab computes the same grid
        var rows = LossLandscape.Compute(Values("betas"), Values("gammas"), Values("xs"));

        // Then every row agrees to 1e-10 relative
        var expected = root.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(expected.Length, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(expected[i].GetProperty("beta").GetDouble(), rows[i].Beta);
            Assert.Equal(expected[i].GetProperty("gamma").GetDouble(), rows[i].Gamma);
            Assert.Equal(expected[i].GetProperty("x").GetDouble(), rows[i].X);
            Close(expected[i].GetProperty("loss").GetDouble(), rows[i].Loss, $"loss at {rows[i]}");
            Close(expected[i].GetProperty("grad").GetDouble(), rows[i].Grad, $"grad at {rows[i]}");
        }
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-10 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}");
}
