using System.Diagnostics;
using LossLab.Experiments;
using LossLab.Reporting;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Commands;

public sealed class ExperimentCommandTests
{
    private static readonly string[] Tiny =
    [
        "--train-limit", "120", "--test-limit", "60", "--batch-size", "32", "--epochs", "1", "--threads", "1",
        "--no-embedding-metrics", "--no-tensorboard",
    ];

    [Fact]
    public void Should_WriteTheSameReport_When_TwoShardsAreMergedOrOneProcessRunsEverything()
    {
        // Given a comparison of two losses over two seeds
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        string[] compare = ["compare", "--losses", "improved,ce", "--seeds", "2", .. Tiny];
        using var wholeFolder = new TempFolder("cmp-whole");
        var whole = wholeFolder.Path;
        using var firstFolder = new TempFolder("cmp-shard1");
        var first = firstFolder.Path;
        using var secondFolder = new TempFolder("cmp-shard2");
        var second = secondFolder.Path;
        using var mergedFolder = new TempFolder("cmp-merged");
        var merged = mergedFolder.Path;

        // When it runs in one process, and as shards 1/2 and 2/2 in their own directories merged by `losslab report`
        var all = CliRunner.Run([.. compare, "--out", whole]);
        var one = CliRunner.Run([.. compare, "--out", first, "--shard", "1/2"]);
        var two = CliRunner.Run([.. compare, "--out", second, "--shard", "2/2"]);
        var report = CliRunner.Run("report", first, second, "--out", merged);

        // Then each shard trained its half, and the merged report equals the single-process one
        Assert.True(all.Code == 0, all.Err);
        Assert.True(one.Code == 0, one.Err);
        Assert.True(two.Code == 0, two.Err);
        Assert.True(report.Code == 0, report.Err);
        Assert.Equal(["loss=ce_seed=1", "loss=improved_seed=1"], Directory.GetDirectories(Path.Combine(first, "runs")).Select(Path.GetFileName).Order());
        Assert.Equal(["loss=ce_seed=2", "loss=improved_seed=2"], Directory.GetDirectories(Path.Combine(second, "runs")).Select(Path.GetFileName).Order());
        Assert.Contains("losslab report", one.Out, StringComparison.Ordinal);
        var expected = File.ReadAllText(Path.Combine(whole, Report.MarkdownFileName));
        Assert.Contains("4 of 4 run(s) completed.", expected, StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllText(Path.Combine(merged, Report.MarkdownFileName)));
    }

    [Fact]
    public void Should_FinishOnlyTheMissingRuns_When_AKilledSweepIsRunAgain()
    {
        // Given a sweep over three betas running in a child process
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var dirFolder = new TempFolder("sweep-kill");
        var dir = dirFolder.Path;
        string[] sweep = ["sweep", "--grid", "beta=2,4,8", "--select-on", "test", .. Tiny, "--out", dir];
        var firstRun = Path.Combine(dir, "runs", "beta=2_seed=1");

        // When it is killed (SIGKILL) as soon as its first run has completed, then run again
        using (var child = CliRunner.Start(sweep))
        {
            var watch = Stopwatch.StartNew();
            while (ExperimentRunner.StatusAt(firstRun).State != RunState.Completed && !child.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3))
            {
                Thread.Sleep(50);
            }

            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }

            child.WaitForExit();
        }

        // With two runs at once the second may be caught between its checkpoint and its summary: then it resumes.
        var ids = new[] { "beta=2_seed=1", "beta=4_seed=1", "beta=8_seed=1" };
        var before = ids.Where(id => ExperimentRunner.StatusAt(Path.Combine(dir, "runs", id)).State == RunState.Completed).ToArray();
        var unfinished = ids.Count(id => ExperimentRunner.StatusAt(Path.Combine(dir, "runs", id)).State == RunState.Unfinished);
        var (code, output, error) = CliRunner.Run(sweep);

        // Then the rerun skips what had finished, resumes what was caught unfinished, trains the rest, and writes the report
        Assert.Contains("beta=2_seed=1", before);
        Assert.True(code == 0, error);
        foreach (var id in before)
        {
            Assert.Contains($"{id}: completed earlier, skipped", error, StringComparison.Ordinal);
        }

        Assert.Contains($"{3 - before.Length - unfinished} trained, {unfinished} resumed, {before.Length} skipped", output, StringComparison.Ordinal);
        Assert.Contains("best: beta=", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, Report.HtmlFileName)));
    }

    [Fact]
    public void Should_GiveBetaAndGammaToTheImprovedLossOnly_When_ComparingWithFocal()
    {
        // Given a comparison of improved and focal with the paper's Fashion-MNIST beta and gamma
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var dirFolder = new TempFolder("cmp-gamma");
        var dir = dirFolder.Path;

        // When it runs
        var (code, _, error) = CliRunner.Run(["compare", "--losses", "improved,focal", "--seeds", "1", "--beta", "4", "--gamma", "10", "--no-report", .. Tiny, "--out", dir]);

        // Then improved trained with beta 4 and gamma 10, and focal with its own gamma 2, as each run's config.json says
        Assert.True(code == 0, error);
        var runs = ExperimentPlan.Load(dir)!.Runs.ToDictionary(r => r.Options.Loss, r => r.Options.LossOptions);
        Assert.Equal(new LossLab.Losses.ImprovedLossOptions { Beta = 4, Gamma = 10 }, runs["improved"]);
        Assert.Equal(new LossLab.Losses.FocalLossOptions(), runs["focal"]);
        var config = new LossLab.Runs.RunDirectory(Path.Combine(dir, "runs", "loss=focal_seed=1")).ReadConfig()!;
        Assert.Equal(2, Assert.IsType<LossLab.Losses.FocalLossOptions>(config.Options.LossOptions).Gamma);
    }

    [Theory]
    [InlineData(new[] { "compare", "--loss", "ce" }, "--losses")]
    [InlineData(new[] { "compare", "--losses", "ce,hinge" }, "hinge")]
    [InlineData(new[] { "compare", "--losses", "ce,ce" }, "twice")]
    [InlineData(new[] { "sweep", "--grid", "beta" }, "KEY=V1,V2")]
    [InlineData(new[] { "sweep", "--grid", "colour=red" }, "unknown option 'colour'")]
    [InlineData(new[] { "sweep", "--grid", "beta=2,4", "--refine", "beta=2:16" }, "--refine")]
    [InlineData(new[] { "sweep", "--grid", "beta=2,4", "--select-on", "train" }, "--select-on")]
    [InlineData(new[] { "sweep", "--grid", "beta=2,4", "--shard", "3/2" }, "--shard")]
    [InlineData(new[] { "sweep", "--grid", "margin=0.1,0.2" }, "loss 'improved' has no option 'margin'")]
    [InlineData(new[] { "sweep", "--loss", "triplet", "--grid", "mining=hardest" }, "--mining: 'hardest' is not valid; valid: semi-hard, batch-hard")]
    [InlineData(new[] { "reproduce", "E9" }, "valid: E1, E2, E3, E4, E5, E6")]
    [InlineData(new[] { "reproduce", "E2", "--preset", "slow" }, "--preset")]
    public void Should_ExitWith2AndSayWhy_When_AnExperimentCommandIsInvalid(string[] args, string expected)
    {
        // Given a command with one bad value and a fresh directory
        using var dirFolder = new TempFolder("bad-experiment");
        var dir = dirFolder.Path;

        // When it runs
        var (code, _, error) = CliRunner.Run([.. args, "--out", dir]);

        // Then it exits with 2 before training, naming the problem
        Assert.Equal(2, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "runs")));
    }

    [Fact]
    public void Should_SayHowToGetTheData_When_ThePaperPresetNeedsAMissingDataset()
    {
        // Given an empty data folder and no download
        using var dataFolder = new TempFolder("no-data");
        var data = dataFolder.Path;
        using var dirFolder = new TempFolder("reproduce-missing");
        var dir = dirFolder.Path;

        // When E4 with the paper preset (CIFAR-100) is asked for
        var (code, _, error) = CliRunner.Run("reproduce", "E4", "--preset", "paper", "--data-dir", data, "--out", dir);

        // Then it exits with 2 and says how to get CIFAR-100
        Assert.Equal(2, code);
        Assert.Contains("cifar100", error, StringComparison.Ordinal);
        Assert.Contains("--download", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_SayHowToGetCifar10AndTrainNothing_When_TheImbalanceStudyFindsNoCifar10()
    {
        // Given an empty data folder and no download
        using var dataFolder = new TempFolder("no-cifar10");
        using var dirFolder = new TempFolder("e6-missing");
        var dir = Path.Combine(dirFolder.Path, "E6");

        // When E6's quick preset (long-tailed CIFAR-10) is asked for
        var (code, _, error) = CliRunner.Run("reproduce", "E6", "--preset", "quick", "--data-dir", dataFolder.Path, "--out", dir);

        // Then it exits with 2, says how to get CIFAR-10, and no run was started
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("cifar10", error, StringComparison.Ordinal);
        Assert.Contains("--download", error, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "config.json", SearchOption.AllDirectories) : []);
    }
}
