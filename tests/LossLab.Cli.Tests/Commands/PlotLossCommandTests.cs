using System.Globalization;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Commands;

public sealed class PlotLossCommandTests
{
    [Fact]
    public void Should_WriteACsvWhoseGradientMatchesFiniteDifferencesOfItsLoss_When_PlotLossRuns()
    {
        // Given an output folder
        using var dirFolder = new TempFolder("plot-loss");
        var dir = dirFolder.Path;

        // When plot-loss runs with a fine grid
        var (code, output, error) = CliRunner.Run("plot-loss", "--beta", "1,4", "--gamma", "0,2,5", "--x-min", "-4", "--x-max", "4", "--points", "801", "--out", dir);

        // Then it writes loss.csv with the promised columns, and the PNG/SVG plots
        Assert.True(code == 0, error);
        Assert.Contains("loss.csv", output, StringComparison.Ordinal);
        foreach (var file in new[] { "loss.png", "loss.svg", "grad.png", "grad.svg" })
        {
            Assert.True(new FileInfo(Path.Combine(dir, file)).Length > 1000, $"{file} missing or empty");
        }

        var lines = File.ReadAllLines(Path.Combine(dir, "loss.csv"));
        Assert.Equal("beta,gamma,x,loss,grad", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(2 * 3 * 801, rows.Length);

        // And grad is dloss/dx: the central difference of the loss column agrees within the O(h²) error (h = 0.01)
        var checkedPoints = 0;
        foreach (var curve in rows.GroupBy(r => (r[0], r[1])))
        {
            var points = curve.ToArray();
            for (var i = 1; i < points.Length - 1; i++)
            {
                var difference = (points[i + 1][3] - points[i - 1][3]) / (points[i + 1][2] - points[i - 1][2]);
                Assert.True(Math.Abs(difference - points[i][4]) <= 2e-3 * Math.Max(1, Math.Abs(points[i][4])), $"beta {curve.Key.Item1}, gamma {curve.Key.Item2}, x {points[i][2]}: finite difference {difference}, grad {points[i][4]}");
                checkedPoints++;
            }
        }

        Assert.Equal(6 * 799, checkedPoints);
    }

    [Fact]
    public void Should_ExitWith2_When_ABetaIsNotPositive()
    {
        // Given beta 0
        using var dirFolder = new TempFolder("plot-loss-bad");
        var dir = dirFolder.Path;

        // When plot-loss runs
        var (code, _, error) = CliRunner.Run("plot-loss", "--beta", "0,4", "--out", dir);

        // Then it refuses naming the flag
        Assert.Equal(2, code);
        Assert.Contains("--beta", error, StringComparison.Ordinal);
    }
}
