using System.Text.Json;
using LossLab.Experiments;
using LossLab.Losses;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Tests.Experiments;

public sealed class ExperimentPlanTests
{
    private static readonly TrainOptions Base = new() { TrainLimit = 200, TestLimit = 100, Epochs = 1, Threads = 1, Seed = 5 };

    private static readonly LossOptions Improved4And10 = new ImprovedLossOptions { Beta = 4, Gamma = 10 };

    [Fact]
    public void Should_GiveIdsFromTheVariedValues_When_ComparingLossesOverSeeds()
    {
        // Given three losses and two seeds starting at 5
        // When the plan is built
        var plan = ExperimentPlan.Compare(Base, Defaults("improved", "margin", "ce"), 2);

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
        var plan = ExperimentPlan.Compare(Base, [Improved4And10, new FocalLossOptions()], 3);
        plan.Save(dir);

        // When it is loaded back and built again
        var loaded = ExperimentPlan.Load(dir)!;
        var again = ExperimentPlan.Compare(Base, [Improved4And10, new FocalLossOptions()], 3);

        // Then ids, options and fingerprint are the same
        Assert.Equal(plan.Runs.Select(r => r.Id), loaded.Runs.Select(r => r.Id));
        Assert.Equal(plan.Runs.Select(r => r.Id), again.Runs.Select(r => r.Id));
        Assert.Equal(Json(plan.Runs.Select(r => r.Options)), Json(loaded.Runs.Select(r => r.Options)));
        Assert.Equal(plan.Fingerprint(), loaded.Fingerprint());
        Assert.Equal("improved", loaded.Runs[0].Values["loss"]);
    }

    [Fact]
    public void Should_GiveEachLossItsOwnOptions_When_Comparing()
    {
        // Given the improved loss with the paper's Fashion-MNIST beta and gamma, and focal with its defaults
        LossOptions[] losses = [Improved4And10, new FocalLossOptions()];

        // When they are compared
        var plan = ExperimentPlan.Compare(Base, losses, 1);

        // Then improved has beta 4 and gamma 10, and focal keeps its own default gamma 2
        var improved = Assert.IsType<ImprovedLossOptions>(plan.Runs[0].Options.LossOptions);
        Assert.Equal((4.0, 10.0), (improved.Beta, improved.Gamma));
        Assert.Equal(2, Assert.IsType<FocalLossOptions>(plan.Runs[1].Options.LossOptions).Gamma);
        Assert.Equal(["improved", "focal"], plan.Losses);
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
        var plan = ExperimentPlan.Compare(Base, Defaults([.. ExperimentPlan.PaperLosses]), 3);

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
        ExperimentPlan.Open(dir, ExperimentPlan.Compare(Base, Defaults("ce", "triplet"), 1));

        // When a different comparison is opened there, and the same one with other threads and data folder
        var error = Assert.Throws<ArgumentException>(() => ExperimentPlan.Open(dir, ExperimentPlan.Compare(Base with { Epochs = 2 }, Defaults("ce", "triplet"), 1)));
        var same = ExperimentPlan.Open(dir, ExperimentPlan.Compare(Base with { Threads = 2, DataDir = "/data" }, Defaults("ce", "triplet"), 1));

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
        Assert.Equal(3, Assert.IsType<ImprovedLossOptions>(applied.LossOptions).Gamma);
        Assert.Equal(1e-5, applied.LearningRate);
        Assert.Equal(300, applied.TrainLimit);
        Assert.Equal("1E-05", OptionKeys.Read(applied, "lr"));
        Assert.Throws<ArgumentException>(() => OptionKeys.Apply(options, "beta", "four"));
        Assert.Throws<ArgumentException>(() => OptionKeys.Apply(options, "colour", "red"));
    }

    [Fact]
    public void Should_KeepChangedSharedOptions_When_TheLossKeyChangesTheLoss()
    {
        // Given the improved loss with gamma 10, with its defaults, and a triplet loss with margin 0.3
        var gamma10 = OptionKeys.Apply(new TrainOptions(), "gamma", "10");
        var margin03 = OptionKeys.Apply(new TrainOptions { LossOptions = new TripletLossOptions() }, "margin", "0.3");

        // When the loss key switches them to focal and contrastive
        var focal10 = OptionKeys.Apply(gamma10, "loss", "focal");
        var focalDefault = OptionKeys.Apply(new TrainOptions(), "loss", "focal");
        var contrastive = OptionKeys.Apply(margin03, "loss", "contrastive");

        // Then an option both losses have keeps a value that was changed, and otherwise takes the new loss's default
        Assert.Equal(10, Assert.IsType<FocalLossOptions>(focal10.LossOptions).Gamma);
        Assert.Equal(2, Assert.IsType<FocalLossOptions>(focalDefault.LossOptions).Gamma);
        Assert.Equal(0.3, Assert.IsType<ContrastiveLossOptions>(contrastive.LossOptions).Margin);
        Assert.Equal(("focal", "10", null), (focal10.Loss, OptionKeys.Read(focal10, "gamma"), OptionKeys.Read(focal10, "beta")));
        Assert.Null(OptionKeys.Read(focalDefault, "gamma"));
        Assert.Same(margin03.LossOptions, OptionKeys.Apply(margin03, "loss", "triplet").LossOptions);
    }

    [Fact]
    public void Should_RefuseALossOption_When_TheLossHasNoSuchOption()
    {
        // Given the improved loss, and a grid over the margin for it
        var options = new TrainOptions();
        var spec = new SweepSpec { Axes = [new SweepAxis("margin", ["0.1", "0.2"])] };

        // When the margin is applied, or the sweep is planned
        var applied = Assert.Throws<ArgumentException>(() => OptionKeys.Apply(options, "margin", "0.1"));
        var planned = Assert.Throws<ArgumentException>(() => ExperimentPlan.ForSweep(options, spec));

        // Then both name the option and the loss; a grid that also varies the loss to ones with a margin is accepted
        Assert.Equal("margin", applied.ParamName);
        Assert.Contains("loss 'improved' has no option 'margin'", applied.Message, StringComparison.Ordinal);
        Assert.Equal("--grid", planned.ParamName);
        Assert.Contains("'improved' has no option 'margin'", planned.Message, StringComparison.Ordinal);
        ExperimentPlan.ForSweep(options, spec with { Axes = [new SweepAxis("loss", ["triplet", "contrastive"]), .. spec.Axes] });
    }

    [Fact]
    public void Should_ListTheLossOptionsAsKeys_When_KeysAreRead()
    {
        // Given / When the keys
        var names = OptionKeys.Names;

        // Then the loss's options come after dataset, model and loss, each once, before the other training options
        Assert.Equal(["dataset", "model", "loss"], names.Take(3));
        Assert.Equal(LossRegistry.OptionKeys, names.Skip(3).Take(LossRegistry.OptionKeys.Count));
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.True(OptionKeys.IsNumeric("margin") && !OptionKeys.IsNumeric("mining") && OptionKeys.IsLossOption("npair-l2"));
        Assert.Equal("batch-hard", OptionKeys.Canonical("mining", "batch-hard"));
        Assert.Equal("sgd", OptionKeys.Read(OptionKeys.Apply(new TrainOptions(), "optimizer", "sgd"), "optimizer"));
        Assert.Throws<ArgumentException>(() => OptionKeys.Canonical("optimizer", "rmsprop"));
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

    private static LossOptions[] Defaults(params string[] names) => names.Select(n => LossRegistry.Find(n).Defaults).ToArray();
}
