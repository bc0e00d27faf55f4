using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LossLab.Interop;
using LossLab.Losses;
using LossLab.Models;
using LossLab.Runs;
using LossLab.Tests;
using LossLab.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LossLab.Cli.Tests.Commands;

/// <summary>
/// <c>losslab export --format pytorch</c> and <c>losslab train --init-from</c>, checked by Debian's python3-torch
/// running the shipped python/losslab_models.py (tests/Data/pytorch_interop.py).
/// </summary>
public sealed class PyTorchInteropTests(ITestOutputHelper log)
{
    // One short epoch: three batches of eight 16×16 images.
    private static readonly string[] ShortRun =
    [
        "train", "--batch-size", "8", "--threads", "2", "--seed", "3", "--augment", "off", "--no-embedding-metrics",
    ];

    private static readonly string[] OneEpoch = [.. ShortRun, "--epochs", "1"];

    [Theory]
    [InlineData("small-cnn", "improved")]
    [InlineData("resnet18", "improved")]
    [InlineData("resnet50", "improved")]
    [InlineData("googlenet", "improved")]
    [InlineData("small-cnn", "proxynca")]
    [InlineData("small-cnn", "margin")]
    public void Should_GiveLossLabsOutputsInPyTorch_When_ATrainedRunIsExported(string model, string loss)
    {
        // Given a run trained for one short epoch, and a fixed batch with LossLab's eval-mode outputs on it
        PyTorchReference.RequireTorch();
        using var folder = new TempFolder("export");
        var dataset = PyTorchReference.FolderDataset(folder.File("data"), trainPerClass: 4);
        var run = folder.File("run");
        var trained = CliRunner.Run([.. OneEpoch, "--dataset", dataset, "--model", model, "--loss", loss, "--out", run]);
        Assert.True(trained.Code == 0, trained.Err);
        var caseDir = Directory.CreateDirectory(folder.File("case")).FullName;
        var content = new JsonObject { ["weights"] = "model.pt" };
        using (var saved = SavedRun.Open(run, "best", device: DeviceKind.Cpu))
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            saved.Model.eval();
            torch.manual_seed(11);
            var input = torch.randn(4, 3, 16, 16);
            var output = saved.Model.forward(input);
            content["input"] = PyTorchReference.WriteRaw(caseDir, "input.f32", input);
            var state = new JsonObject();
            foreach (var (name, tensor) in saved.Loss.state_dict())
            {
                state[StateDictLoader.LossPrefix + name] = PyTorchReference.WriteRaw(caseDir, $"loss-{name}.f32", tensor);
            }

            content["state"] = state;
            content["outputs"] = Outputs(caseDir, output, ".f32");
            saved.Model.to(ScalarType.Float64);
            content["outputs64"] = Outputs(caseDir, saved.Model.forward(input.to_type(ScalarType.Float64)), ".f64");
        }

        PyTorchReference.WriteCase(caseDir, content);

        // When the run is exported and PyTorch loads the export strictly and runs the batch in eval mode (float32 and float64)
        var exported = CliRunner.Run("export", run, "--format", "pytorch", "--out", Path.Combine(caseDir, "model.pt"));
        Assert.True(exported.Code == 0, exported.Err);
        var (code, report) = PyTorchReference.Run("check", caseDir);
        log.WriteLine(report);

        // Then embeddings, logits (within 1e-5 in float64) and the loss's learnable state agree, and the JSON says how to read them
        Assert.True(code == 0, report);
        var info = JsonNode.Parse(File.ReadAllText(Path.Combine(caseDir, "model.json")))!;
        Assert.Equal(model, info["architecture"]!.GetValue<string>());
        Assert.Equal(["circle", "square", "star"], info["class_names"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(3, info["normalization_mean"]!.AsArray().Count);
        Assert.Equal(Sha256(Path.Combine(caseDir, "model.pt")), info["state_dict_sha256"]!.GetValue<string>());
        var expectedEntries = loss switch { "proxynca" => ["loss.proxies"], "margin" => new[] { "loss.beta" }, _ => [] };
        Assert.Equal(expectedEntries, info["loss_entries"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(loss == "improved" ? "softmax(4 * logits)" : null, info["probabilities"]?.GetValue<string>());
    }

    [Theory]
    [InlineData("small-cnn")]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    [InlineData("googlenet")]
    public void Should_ComputePyTorchsOutputs_When_StartingFromAStateDictSavedByPyTorch(string model)
    {
        // Given a state_dict PyTorch saved from losslab_models.LabModel with random weights, and its eval-mode outputs
        using var folder = new TempFolder("init");
        var (made, log) = PyTorchReference.Run("make", folder.Path, model, "3", "10", "16", "5");
        Assert.True(made == 0, log);
        var content = PyTorchReference.ReadCase(folder.Path);

        // When LossLab builds the architecture, loads the file strictly and runs the same batch in eval mode,
        // in float32 and, converted, in float64
        using var lossModule = LossRegistry.Create(new ImprovedLossOptions(), new LossContext(10, 128));
        using var labModel = ModelRegistry.Create(model, 3, 10);
        using var file = PyTorchStateDict.Read(folder.File("init.pt"));
        var record = StateDictLoader.Load(labModel, lossModule, file, strict: true);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        labModel.eval();
        var input = PyTorchReference.ReadRaw(folder.Path, content["input"]!);
        var output = labModel.forward(input);
        labModel.to(ScalarType.Float64);
        var output64 = labModel.forward(input.to_type(ScalarType.Float64));

        // Then every tensor was loaded and the first forward pass equals PyTorch's (within 1e-5 in float64)
        Assert.Equal(labModel.state_dict().Count, record.Loaded.Count);
        Assert.Empty(record.Skipped);
        Assert.Empty(record.NotInFile);
        foreach (var (key, result) in new[] { ("outputs", output), ("outputs64", output64) })
        {
            PyTorchReference.AssertClose(result.Embedding, PyTorchReference.ReadRaw(folder.Path, content[key]!["embedding"]!), $"{key} embedding");
            PyTorchReference.AssertClose(result.Logits!, PyTorchReference.ReadRaw(folder.Path, content[key]!["logits"]!), $"{key} logits");
        }
    }

    [Fact]
    public void Should_RecordTheFileAndContinueFromTheCheckpoint_When_AnInitFromRunIsResumed()
    {
        // Given a PyTorch state_dict for a 3-class small CNN, and a two-epoch run started from it without interruption
        using var folder = new TempFolder("init-run");
        var (made, log) = PyTorchReference.Run("make", folder.File("case"), "small-cnn", "3", "3", "16", "7");
        Assert.True(made == 0, log);
        var weights = folder.File("case/init.pt");
        var dataset = PyTorchReference.FolderDataset(folder.File("data"));
        string[] fromFile = ["--dataset", dataset, "--init-from", weights, "--init-from-strict"];
        var whole = CliRunner.Run([.. ShortRun, "--epochs", "2", .. fromFile, "--out", folder.File("whole")]);
        Assert.True(whole.Code == 0, whole.Err);

        // When the same run stops after its first epoch's checkpoint (the one-epoch run's files with two epochs to go,
        // as a kill between epochs leaves them), the file is moved away, and the run is resumed
        var cut = folder.File("cut");
        Assert.Equal(0, CliRunner.Run([.. OneEpoch, .. fromFile, "--out", cut]).Code);
        ReplaceJson(Path.Combine(cut, "config.json"), c => c["options"]!["epochs"] = 2);
        ReplaceJson(Path.Combine(cut, "summary.json"), s => s["completed"] = false);
        File.Move(weights, weights + ".moved");
        var resumed = CliRunner.Run("train", "--resume", cut);

        // Then config.json records the file's path, SHA-256 and every tensor loaded, and the resumed run ends exactly
        // where the uninterrupted one did, without reading the file again
        Assert.True(resumed.Code == 0, resumed.Err);
        var init = JsonNode.Parse(File.ReadAllText(Path.Combine(cut, "config.json")))!["init_from"]!;
        Assert.Equal(weights, init["path"]!.GetValue<string>());
        Assert.Equal(Sha256(weights + ".moved"), init["sha256"]!.GetValue<string>());
        Assert.True(init["strict"]!.GetValue<bool>());
        Assert.Equal(22, init["loaded"]!.AsArray().Count);
        Assert.Empty(init["skipped"]!.AsArray());
        Assert.Equal(Scores(folder.File("whole")), Scores(cut));
    }

    [Fact]
    public void Should_LoadTheBackboneAndListTheHeads_When_TheFileHoldsOnlyABackbone()
    {
        // Given a backbone-only state_dict saved by PyTorch
        using var folder = new TempFolder("backbone");
        var (made, log) = PyTorchReference.Run("make", folder.File("case"), "small-cnn", "3", "10", "16", "9", "--backbone-only");
        Assert.True(made == 0, log);
        var dataset = PyTorchReference.FolderDataset(folder.File("data"));
        var run = folder.File("run");

        // When a run starts from it (not strict)
        var (code, output, error) = CliRunner.Run([.. OneEpoch, "--dataset", dataset, "--init-from", folder.File("case/init.pt"), "--out", run]);

        // Then the backbone is loaded, the heads keep their initial values, and the console and config.json say so
        Assert.True(code == 0, error);
        var init = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!["init_from"]!;
        var loaded = init["loaded"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        Assert.Equal(18, loaded.Length);
        Assert.All(loaded, name => Assert.StartsWith("backbone.", name, StringComparison.Ordinal));
        Assert.Equal(["classifier.bias", "classifier.weight", "embedding.bias", "embedding.weight"], init["not_in_file"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Contains("not in the file, left at their initial values: classifier.bias, classifier.weight, embedding.bias, embedding.weight", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_LoadTheFile_When_TheLossHasAWeightPerClass()
    {
        // Given a PyTorch state_dict for a 3-class small CNN and a loss with one weight per class
        using var folder = new TempFolder("init-alpha");
        var (made, log) = PyTorchReference.Run("make", folder.File("case"), "small-cnn", "3", "3", "16", "5");
        Assert.True(made == 0, log);
        var dataset = PyTorchReference.FolderDataset(folder.File("data"));
        var run = folder.File("run");

        // When a run with --alpha starts from it
        var (code, _, error) = CliRunner.Run([.. OneEpoch, "--dataset", dataset, "--loss", "improved", "--alpha", "1,2,3", "--init-from", folder.File("case/init.pt"), "--out", run]);

        // Then every tensor of the file is loaded, the loss's class weights come from --alpha, and the run trains
        Assert.True(code == 0, error);
        var init = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!["init_from"]!;
        Assert.Equal(22, init["loaded"]!.AsArray().Count);
        Assert.Equal(["loss.alpha"], init["not_in_file"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void Should_SkipTheClassifierWithBothShapes_When_TheFileWasTrainedOnOtherClasses()
    {
        // Given a full 10-class state_dict and a 3-class dataset
        using var folder = new TempFolder("heads");
        var (made, log) = PyTorchReference.Run("make", folder.File("case"), "small-cnn", "3", "10", "16", "4");
        Assert.True(made == 0, log);
        var dataset = PyTorchReference.FolderDataset(folder.File("data"));
        var run = folder.File("run");

        // When a run starts from it (not strict)
        var (code, _, error) = CliRunner.Run([.. OneEpoch, "--dataset", dataset, "--init-from", folder.File("case/init.pt"), "--out", run]);

        // Then everything but the classifier is loaded, and the record gives the reason for the two it skipped
        Assert.True(code == 0, error);
        var init = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!["init_from"]!;
        Assert.Equal(20, init["loaded"]!.AsArray().Count);
        var skipped = init["skipped"]!.AsArray().Select(s => (s!["name"]!.GetValue<string>(), s["reason"]!.GetValue<string>())).ToArray();
        Assert.Equal([("classifier.bias", "shape [10] in the file, [3] in the run"), ("classifier.weight", "shape [10, 128] in the file, [3, 128] in the run")], skipped);
    }

    [Theory]
    [InlineData("truncated", false)]
    [InlineData("not-pytorch", false)]
    [InlineData("other-architecture", true)]
    [InlineData("empty", false)]
    public void Should_ExitWithCode2NamingTheFileAndLeaveNoRun_When_TheInitFileIsBad(string kind, bool strict)
    {
        // Given a bad file: a state_dict cut in half, a PNG, a resnet18 state_dict for a small-cnn run, an empty file
        using var folder = new TempFolder("bad-init");
        var dataset = PyTorchReference.FolderDataset(folder.File("data"), trainPerClass: 2);
        var bad = folder.File($"{kind}.pt");
        if (kind is "truncated" or "other-architecture")
        {
            using var model = ModelRegistry.Create(kind == "truncated" ? "small-cnn" : "resnet18", 3, 3);
            PyTorchStateDict.Write(bad, model.state_dict());
            var bytes = File.ReadAllBytes(bad);
            File.WriteAllBytes(bad, kind == "truncated" ? bytes[..(bytes.Length / 2)] : bytes);
        }
        else
        {
            File.WriteAllBytes(bad, kind == "empty" ? [] : DataFixtures.EncodeRgb(new byte[3 * 4 * 4], 4, 4));
        }

        var run = folder.File("run");

        // When a run is asked to start from it
        string[] args = [.. OneEpoch, "--dataset", dataset, "--init-from", bad, "--out", run, .. strict ? new[] { "--init-from-strict" } : []];
        var (code, _, error) = CliRunner.Run(args);

        // Then it exits with 2, names the file, and leaves no run folder behind
        Assert.Equal(2, code);
        Assert.Contains(bad, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run), $"{run} was created");
    }

    [Fact]
    public void Should_ExitWithCode2AndShowThePyTorchRoute_When_OnnxIsAsked()
    {
        // Given any source (the format is checked first)
        using var folder = new TempFolder("onnx");

        // When ONNX is asked for
        var (code, _, error) = CliRunner.Run("export", folder.Path, "--format", "onnx", "--out", folder.File("model.onnx"));

        // Then the answer is exit code 2 and the two PyTorch lines that write ONNX from an export
        Assert.Equal(2, code);
        Assert.Contains("losslab_models.load('model.pt')", error, StringComparison.Ordinal);
        Assert.Contains("torch.onnx.export(model", error, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("model.onnx")));
    }

    private static JsonObject Outputs(string directory, ModelOutput output, string suffix)
    {
        var outputs = new JsonObject { ["embedding"] = PyTorchReference.WriteRaw(directory, "embedding" + suffix, output.Embedding) };
        if (output.Logits is not null)
        {
            outputs["logits"] = PyTorchReference.WriteRaw(directory, "logits" + suffix, output.Logits);
        }

        return outputs;
    }

    /// <summary>Each epoch's training loss and test scores (not its timings).</summary>
    private static string[] Scores(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(line =>
        {
            var row = JsonNode.Parse(line)!;
            return string.Join(' ', new[] { "epoch", "train_loss", "accuracy", "f1_macro", "nmi" }.Select(k => row[k]?.ToJsonString()));
        }).ToArray();

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static void ReplaceJson(string path, Action<JsonNode> edit)
    {
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
    }
}
