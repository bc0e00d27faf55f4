using System.Text.Json;
using LossLab.Experiments;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Tests.Experiments;

public sealed class ExperimentPlanTests
{
    private static readonly TrainOptions Base = new() { TrainLimit = 200, TestLimit = 100, Epochs = 1, Threads = 1, Seed = 5 };

    [Fact]
    public void Should_GiveIdsFromTheVariedValues_When_ComparingLossesOverSeeds()
    {
        // Given three losses and two seeds starting at 5
        // When the plan is built
        var plan = ExperimentPlan.Compare(Base, ["improved", "margin", "ce"], 2);

        // Then every run has an id of its loss and seed, in loss-major order, with matching options
        Assert.Equal(
            ["loss=improved_seed=5", "loss=improved_seed=6", "loss=margin_seed=5", "loss=margin_seed=6", "loss=ce_seed=5", "loss=ce_seed=6"],
            plan.Runs.Select(r => r.Id));
        Assert.All(plan.Runs, r => Assert.Equal(r.Id, $"loss={r.Options.Loss}_seed={r.Options.Seed}"));
    }

    [Fact]
    public void Should_KeepIdsAndOptions_When_ThePlanIsSavedAndLoaded()
    {
        // Given a comparison plan saved to a directory
        using var dirFolder = new TempFolder("plan");
        var dir = dirFolder.Path;
        var plan = ExperimentPlan.Compare(Base with { LossOptions = new() { Beta = 4, Gamma = 10 } }, ["improved", "focal"], 3);
        plan.Save(dir);

        // When it is loaded back and built again
        var loaded = ExperimentPlan.Load(dir)!;
        var again = ExperimentPlan.Compare(Base with { LossOptions = new() { Beta = 4, Gamma = 10 } }, ["improved", "focal"], 3);

        // Then ids, options and fingerprint are the same
        Assert.Equal(plan.Runs.Select(r => r.Id), loaded.Runs.Select(r => r.Id));
        Assert.Equal(plan.Runs.Select(r => r.Id), again.Runs.Select(r => r.Id));
        Assert.Equal(Json(plan.Runs.Select(r => r.Options)), Json(loaded.Runs.Select(r => r.Options)));
        Assert.Equal(plan.Fingerprint(), loaded.Fingerprint());
        Assert.Equal("improved", loaded.Runs[0].Values["loss"]);
    }

    [Fact]
    public void Should_ApplyBetaAndGammaToTheImprovedLossOnly_When_Comparing()
    {
        // Given base options with the paper's Fashion-MNIST beta and gamma
        var options = Base with { LossOptions = new() { Beta = 4, Gamma = 10 } };

        // When improved is compared with focal
        var plan = ExperimentPlan.Compare(options, ["improved", "focal"], 1);

        // Then improved has gamma 10 and focal keeps its own default (null: 2)
        Assert.Equal(10, plan.Runs[0].Options.LossOptions.Gamma);
        Assert.Equal(4, plan.Runs[0].Options.LossOptions.Beta);
        Assert.Null(plan.Runs[1].Options.LossOptions.Gamma);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    public void Should_PartitionTheRuns_When_ShardedIntoNSlices(int count)
    {
        // Given a plan of 7 losses × 3 seeds
        var plan = ExperimentPlan.Compare(Base, ExperimentPlan.PaperLosses, 3);

        // When it is cut into n shards
        var shards = Enumerable.Range(1, count).Select(i => new Shard(i, count).Select(plan.Runs)).ToArray();

        // Then the shards are disjoint, together hold every run, and shard i holds the runs at index ≡ i−1 (mod n)
        var all = shards.SelectMany(s => s.Select(r => r.Id)).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
        Assert.Equal(plan.Runs.Select(r => r.Id).Order(), all.Order());
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(plan.Runs.Where((_, k) => k % count == i).Select(r => r.Id), shards[i].Select(r => r.Id));
        }
    }

    [Theory]
    [InlineData("0/2")]
    [InlineData("3/2")]
    [InlineData("1/0")]
    [InlineData("2")]
    [InlineData("a/b")]
    [InlineData("-1/2")]
    public void Should_RejectTheShard_When_ItIsNotIOfN(string text)
    {
        // Given a malformed --shard value
        // When it is parsed
        var error = Assert.Throws<ArgumentException>(() => Shard.Parse(text));

        // Then the message names the flag and the expected form
        Assert.Contains("--shard", error.Message, StringComparison.Ordinal);
        Assert.Contains("i/n", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_RefuseTheDirectory_When_ItHoldsAnotherExperiment()
    {
        // Given a directory holding a comparison
        using var dirFolder = new TempFolder("plan-other");
        var dir = dirFolder.Path;
        ExperimentPlan.Open(dir, ExperimentPlan.Compare(Base, ["ce", "triplet"], 1));

        // When a different comparison is opened there, and the same one with other threads and data folder
        var error = Assert.Throws<ArgumentException>(() => ExperimentPlan.Open(dir, ExperimentPlan.Compare(Base with { Epochs = 2 }, ["ce", "triplet"], 1)));
        var same = ExperimentPlan.Open(dir, ExperimentPlan.Compare(Base with { Threads = 2, DataDir = "/data" }, ["ce", "triplet"], 1));

        // Then the first is refused naming --out, and the second is accepted (where runs execute is not what they are)
        Assert.Contains("--out", error.Message, StringComparison.Ordinal);
        Assert.Contains("different experiment", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, same.Runs.Count);
    }

    [Theory]
    [InlineData("beta", "4.0", "4")]
    [InlineData("beta", "3.50", "3.5")]
    [InlineData("seed", "007", "7")]
    [InlineData("loss", "margin", "margin")]
    public void Should_WriteValuesCanonically_When_UsedInIds(string key, string value, string expected)
    {
        // Given a value as typed
        // When it is made canonical
        var canonical = OptionKeys.Canonical(key, value);

        // Then equal values get one spelling
        Assert.Equal(expected, canonical);
    }

    [Fact]
    public void Should_SetTheOption_When_AKeyIsApplied()
    {
        // Given default options
        var options = new TrainOptions();

        // When keys are applied
        var applied = OptionKeys.Apply(OptionKeys.Apply(OptionKeys.Apply(options, "gamma", "3"), "lr", "1e-5"), "train-limit", "300");

        // Then each lands in its field and reads back canonically
        Assert.Equal(3, applied.LossOptions.Gamma);
        Assert.Equal(1e-5, applied.LearningRate);
        Assert.Equal(300, applied.TrainLimit);
        Assert.Equal("1E-05", OptionKeys.Read(applied, "lr"));
        Assert.Throws<ArgumentException>(() => OptionKeys.Apply(options, "beta", "four"));
        Assert.Throws<ArgumentException>(() => OptionKeys.Apply(options, "colour", "red"));
    }

    [Fact]
    public void Should_MakeFolderSafeIds_When_ValuesHoldPaths()
    {
        // Given a dataset spec with a path
        // When an id is formed
        var id = RunId.Format([new("dataset", "folder:/data/my set/x.tar.gz"), new("seed", "1")]);

        // Then it holds no path separators or spaces
        Assert.Equal("dataset=folder--data-my-set-x.tar.gz_seed=1", id);
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonDefaults.Compact);
}
