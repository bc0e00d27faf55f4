using System.Text.Json;
using LossLab.Data;
using LossLab.Losses;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Tests.Training;

public sealed class TrainOptionsTests
{
    [Fact]
    public void Should_WriteEveryLossValueAndEnumNames_When_OptionsGoToConfigJson()
    {
        // Given options with a triplet loss whose mining was set (its margin stays the default) and non-default choices
        var options = new TrainOptions
        {
            LossOptions = new TripletLossOptions { Mining = TripletMining.BatchHard },
            Optimizer = OptimizerKind.Sgd,
            Augment = AugmentMode.Off,
            Device = DeviceKind.Cpu,
            OnNan = NanPolicy.SkipBatch,
        };

        // When they are written as config.json writes them and read back
        var json = JsonSerializer.Serialize(options, JsonDefaults.Indented);
        var read = JsonSerializer.Deserialize<TrainOptions>(json, JsonDefaults.Indented)!;
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        // Then the loss is named with every value in force, the choices are kebab-case names, and nothing is lost
        var loss = root.GetProperty("loss_options");
        Assert.Equal("triplet", loss.GetProperty("loss").GetString());
        Assert.Equal(0.2, loss.GetProperty("margin").GetDouble());
        Assert.Equal("batch-hard", loss.GetProperty("mining").GetString());
        Assert.Equal(
            ("sgd", "off", "cpu", "skip-batch"),
            (root.GetProperty("optimizer").GetString(), root.GetProperty("augment").GetString(), root.GetProperty("device").GetString(), root.GetProperty("on_nan").GetString()));
        Assert.Equal("triplet", read.Loss);
        Assert.Equal(options.LossOptions, read.LossOptions);
        Assert.Equal(json, JsonSerializer.Serialize(read, JsonDefaults.Indented));
    }

    [Fact]
    public void Should_WriteTheDefaults_When_NoLossOptionWasGiven()
    {
        // Given / When default options written as config.json
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(new TrainOptions(), JsonDefaults.Indented));

        // Then the improved loss's defaults are there, so the run is reproducible from the file alone
        var loss = document.RootElement.GetProperty("loss_options");
        Assert.Equal(("improved", 4.0, 5.0), (loss.GetProperty("loss").GetString(), loss.GetProperty("beta").GetDouble(), loss.GetProperty("gamma").GetDouble()));
    }

    [Fact]
    public void Should_FailNamingTheFile_When_ConfigJsonIsFromBeforePerLossOptions()
    {
        // Given a config.json as LossLab wrote it before each loss had its own options
        using var dir = new TempFolder(inMemory: true);
        File.WriteAllText(
            Path.Combine(dir.Path, "config.json"),
            """{"options": {"dataset": "fashion-mnist", "loss": "improved", "loss_options": {"beta": 4, "gamma": 10}, "optimizer": "adam"}}""");

        // When it is read (as --resume does)
        var error = Assert.Throws<DataFormatException>(() => new RunDirectory(dir.Path).ReadConfig());

        // Then it fails as bad input naming the file and why
        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("must name their loss", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_NameTheLossFlag_When_OptionsBelongToNoRegisteredLoss()
    {
        // Given options of a loss the registry does not know
        var options = new TrainOptions { LossOptions = new UnregisteredLossOptions() };

        // When / Then validating them fails naming --loss
        Assert.Equal("--loss", Assert.ThrowsAny<ArgumentException>(options.Validate).ParamName);
    }

    [Fact]
    public void Should_ProbeTheLossWithItsClassWeights_When_CheckingPkBatches()
    {
        // Given a margin loss (P×K batches) and an improved loss with three class weights, both with batches of 4
        var margin = new TrainOptions { LossOptions = new MarginLossOptions(), BatchSize = 4 };
        var improved = new TrainOptions { LossOptions = new ImprovedLossOptions { Alpha = ClassWeights.Of(1, 2, 3) }, BatchSize = 4 };

        // When / Then the metric loss needs 2 × 4 images per batch; the softmax loss does not
        Assert.Equal("--batch-size", Assert.Throws<ArgumentOutOfRangeException>(margin.Validate).ParamName);
        improved.Validate();
    }

    private sealed record UnregisteredLossOptions : LossOptions;
}
