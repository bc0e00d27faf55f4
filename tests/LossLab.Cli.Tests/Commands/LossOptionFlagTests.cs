using LossLab.Cli.Commands;
using LossLab.Losses;

namespace LossLab.Cli.Tests.Commands;

/// <summary>The loss flags, <c>losslab losses</c> and the help texts come from the losses' options records.</summary>
public sealed class LossOptionFlagTests
{
    [Fact]
    public void Should_ListEveryLossWithItsFlagsAndDefaults_When_LossesIsRun()
    {
        // Given / When the losses are listed
        var (code, output, error) = CliRunner.Run("losses");

        // Then every loss is there with each of its options as a flag and its default
        Assert.True(code == 0, error);
        foreach (var loss in LossRegistry.All)
        {
            Assert.Contains(loss.Name + " ", output, StringComparison.Ordinal);
            Assert.Contains(loss.Description, output, StringComparison.Ordinal);
        }

        Assert.Contains("--beta 4  softmax scale beta, > 0", output, StringComparison.Ordinal);
        Assert.Contains("--gamma 2  focusing exponent gamma", output, StringComparison.Ordinal);
        Assert.Contains("--mining semi-hard  triplet mining (semi-hard, batch-hard)", output, StringComparison.Ordinal);
        Assert.Contains("--margin-beta-lr 0.0005", output, StringComparison.Ordinal);
        Assert.Contains("--alpha (none)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_DescribeASharedFlagForEachLoss_When_TheFlagsAreBuilt()
    {
        // Given / When the loss flags of the training commands
        var flags = new TrainOptionSet().LossFlags.ToDictionary(f => f.Name, f => f.Description);
        var (code, help, _) = CliRunner.Run("train", "--help");

        // Then there is one per option key, --margin names the three losses it sets with their defaults, --gamma both
        // of its losses, and the help lists them
        Assert.Equal(LossRegistry.OptionKeys.Select(k => "--" + k), flags.Keys);
        Assert.Equal(
            "Margin m, ≥ 0 — triplet (default 0.2); margin α around the boundary, ≥ 0 — margin (default 0.2); margin m of negative pairs, ≥ 0 — contrastive (default 1)",
            flags["--margin"]);
        Assert.Equal("Focusing exponent gamma, ≥ 0 — improved (default 5), focal (default 2)", flags["--gamma"]);
        Assert.Equal("Triplet mining (semi-hard or batch-hard) — triplet (default semi-hard)", flags["--mining"]);
        Assert.Equal(0, code);
        Assert.All(flags.Keys, flag => Assert.Contains(flag, help, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--margin 0.1 --loss ce", "warning: --margin has no effect on loss 'ce'")]
    public void Should_Warn_When_AFlagDoesNotApplyToTheLoss(string flags, string expected)
    {
        // Given a loss flag for another loss, and a run that stops at once (no such data folder)
        using var dir = new LossLab.Tests.TempFolder("flag-warning");
        string[] args = ["train", "--dataset", "folder:" + Path.Combine(dir.Path, "missing"), "--out", Path.Combine(dir.Path, "run"), .. flags.Split(' ')];

        // When it runs
        var (_, _, error) = CliRunner.Run(args);

        // Then the flag is named as having no effect
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
