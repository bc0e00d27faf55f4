using System.Text.Json;
using LossLab.Reporting;

namespace LossLab.Tests.Reporting;

public sealed class StatisticsTests
{
    private static readonly JsonElement Reference =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "statistics_reference.json"))).RootElement;

    [Fact]
    public void Should_MatchScipy_When_ComputingLogGamma()
    {
        // Given scipy's / math.lgamma values
        foreach (var item in Reference.GetProperty("log_gamma").EnumerateArray())
        {
            // When ln Γ(x) is computed
            var value = Statistics.LogGamma(item.GetProperty("x").GetDouble());

            // Then it agrees to 1e-12 relative (absolute near the zeros at 1 and 2)
            var expected = item.GetProperty("value").GetDouble();
            Assert.True(Math.Abs(value - expected) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"lgamma({item.GetProperty("x")}) = {value}, expected {expected}");
        }
    }

    [Fact]
    public void Should_MatchScipy_When_ComputingTheRegularizedIncompleteBeta()
    {
        // Given scipy.special.betainc values, including both sides of the continued fraction's switch
        foreach (var item in Reference.GetProperty("incomplete_beta").EnumerateArray())
        {
            // When I_x(a, b) is computed
            var value = Statistics.RegularizedIncompleteBeta(item.GetProperty("x").GetDouble(), item.GetProperty("a").GetDouble(), item.GetProperty("b").GetDouble());

            // Then it agrees to 1e-10
            Assert.Equal(item.GetProperty("value").GetDouble(), value, 1e-10);
        }
    }

    [Fact]
    public void Should_MatchScipy_When_ComputingTheStudentTCdf()
    {
        // Given scipy.stats.t.cdf values, among them the t-table's 97.5% points 4.303 (df 2) and 2.776 (df 4)
        foreach (var item in Reference.GetProperty("t_cdf").EnumerateArray())
        {
            // When the CDF is computed
            var value = Statistics.StudentTCdf(item.GetProperty("t").GetDouble(), item.GetProperty("df").GetDouble());

            // Then it agrees to 1e-10
            Assert.Equal(item.GetProperty("value").GetDouble(), value, 1e-10);
        }

        Assert.Equal(0.975, Statistics.StudentTCdf(4.302652729911275, 2), 1e-9);
    }

    [Fact]
    public void Should_MatchScipyTtestRel_When_TestingPairedSamples()
    {
        // Given samples and scipy.stats.ttest_rel results (two-sided and alternative='greater')
        foreach (var item in Reference.GetProperty("paired").EnumerateArray())
        {
            var a = item.GetProperty("a").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var b = item.GetProperty("b").EnumerateArray().Select(v => v.GetDouble()).ToArray();

            // When the paired test runs
            var result = Statistics.PairedTTest(a, b);

            // Then statistic and p-values agree
            Assert.Equal(a.Length, result.Count);
            Assert.Equal(a.Length - 1, result.DegreesOfFreedom);
            Assert.Equal(item.GetProperty("mean_difference").GetDouble(), result.MeanDifference, 1e-12);
            Assert.Equal(item.GetProperty("std_difference").GetDouble(), result.StdDifference, 1e-12);
            Assert.Equal(item.GetProperty("t").GetDouble(), result.T, 1e-9);
            Assert.Equal(item.GetProperty("p_two_sided").GetDouble(), result.PValueTwoSided, 1e-9);
            Assert.Equal(item.GetProperty("p_greater").GetDouble(), result.PValueGreater, 1e-9);
        }
    }

    [Fact]
    public void Should_MatchNumpy_When_ComputingMeanAndSampleStd()
    {
        // Given numpy's mean and std(ddof=1)
        foreach (var item in Reference.GetProperty("summary").EnumerateArray())
        {
            var values = item.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();

            // When they are computed
            // Then they agree
            Assert.Equal(item.GetProperty("mean").GetDouble(), Statistics.Mean(values), 1e-14);
            Assert.Equal(item.GetProperty("std").GetDouble(), Statistics.SampleStd(values), 1e-14);
        }

        Assert.True(double.IsNaN(Statistics.SampleStd([0.5])));
    }

    [Fact]
    public void Should_GiveExtremePValues_When_EveryDifferenceIsEqual()
    {
        // Given pairs that differ by exactly the same amount, and pairs that do not differ
        // When they are tested
        var positive = Statistics.PairedTTest([0.7, 0.8, 0.9], [0.6, 0.7, 0.8]);
        var none = Statistics.PairedTTest([0.5, 0.6], [0.5, 0.6]);

        // Then a constant positive shift is certain, and no difference is no evidence
        Assert.Equal(double.PositiveInfinity, positive.T);
        Assert.Equal(0, positive.PValueGreater);
        Assert.Equal(0, none.T);
        Assert.Equal(1, none.PValueTwoSided);
    }
}
