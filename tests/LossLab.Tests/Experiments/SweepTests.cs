using LossLab.Evaluation;
using LossLab.Experiments;
using LossLab.Losses;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Tests.Experiments;

public sealed class SweepTests
{
    private static readonly TrainOptions Base = new() { TrainLimit = 200, TestLimit = 100, Epochs = 1, Threads = 1 };

    [Fact]
    public void Should_RunEveryCombinationThenTheWinnerOnTest_When_GridIsSelectedOnValidation()
    {
        // Given a 2×2 grid selected on a validation split, with results peaking at beta=4, gamma=5
        var sweep = new Sweep(Base, new SweepSpec { Axes = [new("beta", ["2", "4"]), new("gamma", ["3", "5"])] });
        var results = new FakeResults((b, g) => -Math.Abs(b - 4) - Math.Abs(g - 5));

        // When the sweep is replayed with no results, then with the grid done, then with the final run done
        var first = sweep.Replay(results.Status);
        results.Complete(first.Pending);
        var second = sweep.Replay(results.Status);
        results.Complete(second.Pending);
        var third = sweep.Replay(results.Status);

        // Then it asks for the four combinations, then the winner trained without a held-out part, then it is finished
        Assert.Equal(["beta=2_gamma=3_seed=1", "beta=2_gamma=5_seed=1", "beta=4_gamma=3_seed=1", "beta=4_gamma=5_seed=1"], first.Pending.Select(r => r.Id));
        Assert.All(first.Pending, r => Assert.Equal(0.1, r.Options.ValidationFraction));
        Assert.False(first.Finished);
        Assert.Equal(["final_beta=4_gamma=5_seed=1"], second.Pending.Select(r => r.Id));
        Assert.Equal(0, second.Pending[0].Options.ValidationFraction);
        Assert.True(third.Finished);
        Assert.Equal("4", third.Best!["beta"]);
        Assert.Equal("5", third.Best!["gamma"]);
    }

    [Fact]
    public void Should_FollowThePaperSearchAndBisect_When_CoordinateSearchHasRanges()
    {
        // Given the paper's search (beta then gamma, refined in [2, 16] and [2, 21], two rounds each), selected on
        // the test split, with a score peaking at beta = 4.4, gamma = 6
        var spec = new SweepSpec { Mode = SweepMode.Coordinate, Axes = Reproduction.PaperSearchAxes, SelectOn = "test", RefineRounds = 2 };
        var sweep = new Sweep(Base, spec);
        var results = new FakeResults((b, g) => -((b - 4.4) * (b - 4.4)) - ((g - 6) * (g - 6) / 10));

        // When the sweep is driven to the end, completing each step's runs
        var batches = new List<string[]>();
        SweepState state;
        while (!(state = sweep.Replay(results.Status)).Finished)
        {
            batches.Add(state.Pending.Select(r => r.Id.Split('_')[0] + "," + r.Id.Split('_')[1]).ToArray());
            results.Complete(state.Pending);
        }

        // Then beta is tried at gamma=3, refined to 4.5 (ends 16, then 3.5/4.5, then 4.25/4.75), and gamma at beta=4.5
        // is refined to 6.25 (ends 2/21, then 4/7.5, then 4.5/6.25)
        Assert.Equal(
        [
            ["beta=2,gamma=3", "beta=3,gamma=3", "beta=4,gamma=3", "beta=5,gamma=3", "beta=7,gamma=3", "beta=10,gamma=3"],
            ["beta=16,gamma=3"],
            ["beta=3.5,gamma=3", "beta=4.5,gamma=3"],
            ["beta=4.25,gamma=3", "beta=4.75,gamma=3"],
            ["beta=4.5,gamma=5", "beta=4.5,gamma=10"],
            ["beta=4.5,gamma=2", "beta=4.5,gamma=21"],
            ["beta=4.5,gamma=4", "beta=4.5,gamma=7.5"],
            ["beta=4.5,gamma=4.5", "beta=4.5,gamma=6.25"],
        ],
            batches);
        Assert.Equal("4.5", state.Best!["beta"]);
        Assert.Equal("6.25", state.Best!["gamma"]);
        Assert.Empty(state.FinalRuns);

        // A refinement step names the best value so far, which need not be one of its own (16 did not beat 4).
        Assert.Equal("4", state.Steps.Single(s => s.Title.StartsWith("beta range ends", StringComparison.Ordinal)).Chosen!["beta"]);
        Assert.Equal("4.5", state.Steps.Single(s => s.Title.StartsWith("beta bisection round 2", StringComparison.Ordinal)).Chosen!["beta"]);

        // The gamma stage reuses the run beta=4.5, gamma=3 of the beta stage rather than training it again.
        Assert.Contains(state.Steps, s => s.Key == "gamma" && s.Candidates.Any(c => c.Setting["gamma"] == "3"));
        Assert.Equal(state.Known.Count, state.Known.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void Should_RankADivergedSettingLast_When_ARunFailed()
    {
        // Given a grid where the best-looking setting diverged
        var sweep = new Sweep(Base, new SweepSpec { Axes = [new("beta", ["2", "4", "8"])], SelectOn = "test" });
        var results = new FakeResults((b, _) => b);
        var pending = sweep.Replay(results.Status).Pending;
        results.Complete(pending);
        results.Fail("beta=8_seed=1");

        // When it is replayed
        var state = sweep.Replay(results.Status);

        // Then the next best wins and the failed one shows as −∞
        Assert.True(state.Finished);
        Assert.Equal("4", state.Best!["beta"]);
        Assert.Equal(double.NegativeInfinity, state.Steps[0].Candidates[2].Score);
    }

    [Fact]
    public void Should_AverageSeeds_When_SeveralSeedsPerSetting()
    {
        // Given a grid with two seeds per setting
        var sweep = new Sweep(Base, new SweepSpec { Axes = [new("gamma", ["0", "2"])], Seeds = 2, SelectOn = "test" });
        var results = new FakeResults((_, g) => g);
        var pending = sweep.Replay(results.Status).Pending;

        // When every run completes
        results.Complete(pending);
        var state = sweep.Replay(results.Status);

        // Then each setting had seeds 1 and 2, and its score is their mean
        Assert.Equal(["gamma=0_seed=1", "gamma=0_seed=2", "gamma=2_seed=1", "gamma=2_seed=2"], pending.Select(r => r.Id));
        Assert.Equal(2, state.Steps[0].Candidates[1].RunIds.Count);
        Assert.Equal(results.ScoreOf("gamma=2_seed=1"), state.Steps[0].Candidates[1].Score!.Value, 12);
    }

    [Theory]
    [InlineData("val", 0.0)]
    [InlineData("best", 0.1)]
    public void Should_RejectTheSpec_When_SelectionIsInvalid(string selectOn, double fraction)
    {
        // Given a spec with a bad selection split or fraction
        var spec = new SweepSpec { Axes = [new("beta", ["2"])], SelectOn = selectOn, ValidationFraction = fraction };

        // When it is validated
        // Then it throws naming the flag
        var error = Assert.ThrowsAny<ArgumentException>(spec.Validate);
        Assert.Contains(selectOn == "val" ? "--val-fraction" : "--select-on", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Run results made up from a function of beta and gamma (F1 = NMI = 0.5 + f / 100, plus a tiny seed term).</summary>
    private sealed class FakeResults(Func<double, double, double> score)
    {
        private readonly Dictionary<string, RunStatus> statuses = [];

        public RunStatus Status(string id) => statuses.TryGetValue(id, out var s) ? s : RunStatus.New;

        public void Complete(IEnumerable<RunSpec> runs)
        {
            foreach (var run in runs)
            {
                var improved = (ImprovedLossOptions)run.Options.LossOptions;
                var (beta, gamma) = (improved.Beta, improved.Gamma);
                var value = 0.5 + (score(beta, gamma) / 100) + (run.Options.Seed * 1e-6);
                var metrics = new EpochMetrics { Epoch = 1, F1Macro = value, Nmi = value };
                statuses[run.Id] = new RunStatus(RunState.Completed, new RunSummary { Completed = true, Epochs = 1, Final = metrics });
            }
        }

        public void Fail(string id) => statuses[id] = new RunStatus(RunState.Failed, null);

        public double ScoreOf(string id)
        {
            var seeds = new[] { id, id.Replace("seed=1", "seed=2", StringComparison.Ordinal) };
            return seeds.Average(s => statuses[s].Summary!.Final!.F1Macro);
        }
    }
}
