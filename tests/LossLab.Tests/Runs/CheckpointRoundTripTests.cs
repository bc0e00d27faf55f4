using System.Security.Cryptography;
using LossLab.Data;
using LossLab.Evaluation;
using LossLab.Losses;
using LossLab.Models;
using LossLab.Runs;
using LossLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Tests.Runs;

/// <summary>
/// A checkpoint must carry everything the next step depends on: weights, BatchNorm statistics, learnable loss
/// parameters (margin β, proxies) and the optimizer's moments and step counts. Two trainings that continue from
/// the same checkpoint therefore take bit-identical steps.
/// </summary>
public sealed class CheckpointRoundTripTests
{
    private const int Classes = 4;
    private const int EmbeddingDim = 16;

    [Theory]
    [InlineData("margin", "adam")]
    [InlineData("proxynca", "adam")]
    [InlineData("triplet", "sgd")]
    public void Should_ContinueBitIdentically_When_TrainingResumesFromACheckpoint(string lossName, string optimizerName)
    {
        // Given a model trained two steps, checkpointed, and a fresh model (other seed) loaded from that checkpoint
        using var threads = new TorchThreads(1);
        using var dir = new TempFolder();
        var options = new TrainOptions { LossOptions = LossRegistry.Find(lossName).Defaults, Optimizer = EnumNames.Parse<OptimizerKind>(optimizerName, "optimizer"), EmbeddingDim = EmbeddingDim, BatchSize = 16 };
        var (images, labels) = BatchTensors();
        using var disposeImages = images;
        using var disposeLabels = labels;
        var (modelA, lossA, optimizerA) = Create(options, lossName, seed: 1);
        var initialLossParameters = Snapshot(lossA);
        for (var step = 0; step < 2; step++)
        {
            Step(modelA, lossA, optimizerA, images, labels, step);
        }

        var state = new TrainingState { EpochsDone = 1, BatchesDone = 2, LossSum = 1.5, History = [new EpochMetrics { Epoch = 1, Accuracy = 0.5 }] };
        Checkpoint.Save(dir.File("a.ckpt"), modelA, lossA, optimizerA, state);
        var (modelB, lossB, optimizerB) = Create(options, lossName, seed: 2);
        var loaded = Checkpoint.Load(dir.File("a.ckpt"), modelB, lossB, optimizerB);
        var optimizerStatesEqual = OptimizerStatesEqual(optimizerA, optimizerB);

        // ...and, as a control, a model loaded from it without the optimizer state
        var (modelC, lossC, optimizerC) = Create(options, lossName, seed: 3);
        Checkpoint.Load(dir.File("a.ckpt"), modelC, lossC, optimizer: null);
        var controlStatesEqual = OptimizerStatesEqual(optimizerA, optimizerC);

        // When all three take the same two further steps
        for (var step = 2; step < 4; step++)
        {
            Step(modelA, lossA, optimizerA, images, labels, step);
            Step(modelB, lossB, optimizerB, images, labels, step);
            Step(modelC, lossC, optimizerC, images, labels, step);
        }

        // Then the resumed model matches the uninterrupted one exactly, parameters and buffers alike, and the
        // training state round-trips; without the optimizer state the steps differ (so this test can fail)
        Assert.True(optimizerStatesEqual, "optimizer state (step counts, moments, momentum buffers) not restored");
        Assert.False(controlStatesEqual);
        Assert.Equal(state.EpochsDone, loaded.EpochsDone);
        Assert.Equal(state.BatchesDone, loaded.BatchesDone);
        Assert.Equal(state.LossSum, loaded.LossSum);
        Assert.Equal(state.History, loaded.History);
        Assert.Equal(Snapshot(modelA), Snapshot(modelB));
        Assert.Equal(Snapshot(lossA), Snapshot(lossB));
        Assert.NotEqual(Snapshot(modelA), Snapshot(modelC));
        if (lossA.ParameterGroups.Count > 0)
        {
            // The learnable loss parameters moved, so restoring them is tested.
            Assert.NotEqual(initialLossParameters, Snapshot(lossA));
        }

        var tracked = modelA.named_buffers().First(b => b.name.EndsWith("num_batches_tracked", StringComparison.Ordinal)).buffer;
        Assert.Equal(4, tracked.item<long>());
        foreach (var disposable in new IDisposable[] { modelA, lossA, optimizerA, modelB, lossB, optimizerB, modelC, lossC, optimizerC })
        {
            disposable.Dispose();
        }
    }

    [Fact]
    public void Should_RefuseToWriteAndToLoad_When_AWeightIsNotFinite()
    {
        // Given a saved good checkpoint, then a NaN in one weight
        using var dir = new TempFolder();
        var options = new TrainOptions { LossOptions = new CrossEntropyLossOptions(), EmbeddingDim = EmbeddingDim };
        var (model, loss, optimizer) = Create(options, "ce", seed: 1);
        var path = dir.File("last.ckpt");
        Checkpoint.Save(path, model, loss, optimizer, new TrainingState());
        var good = File.ReadAllBytes(path);
        var firstWeight = model.parameters().First().view(-1)[0].item<float>();
        using (torch.no_grad())
        {
            model.parameters().First().view(-1)[0] = float.NaN;
        }

        // When it is saved over the good one, and a copy of the good one with that weight set to NaN (and a
        // valid checksum) is loaded
        var save = Record.Exception(() => Checkpoint.Save(path, model, loss, optimizer, new TrainingState { BatchesDone = 5 }));
        var damaged = dir.File("nan.ckpt");
        File.WriteAllBytes(damaged, WithNaN(good, firstWeight));
        var load = Record.Exception(() => Checkpoint.Load(damaged, model, loss, optimizer));

        // Then the save is refused and the good checkpoint is untouched, and the load is refused as bad data
        Assert.IsType<InvalidOperationException>(save);
        Assert.Contains("NaN", save.Message, StringComparison.Ordinal);
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.IsType<DataFormatException>(load);
        Assert.Contains("NaN", load.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir.Path, ".*"));
        model.Dispose();
        loss.Dispose();
        optimizer.Dispose();
    }

    [Fact]
    public void Should_RefuseBeforeTouchingTheModules_When_TheFileIsDamagedForeignOrForAnotherModel()
    {
        // Given a checkpoint, and a model of another embedding width
        using var dir = new TempFolder();
        var options = new TrainOptions { LossOptions = new MarginLossOptions(), EmbeddingDim = EmbeddingDim };
        var (model, loss, optimizer) = Create(options, "margin", seed: 1);
        var path = dir.File("last.ckpt");
        Checkpoint.Save(path, model, loss, optimizer, new TrainingState());
        var bytes = File.ReadAllBytes(path);
        var (target, targetLoss, targetOptimizer) = Create(options, "margin", seed: 2);
        var before = Snapshot(target);
        torch.manual_seed(3);
        using var narrow = ModelRegistry.Create("small-cnn", 1, 0, EmbeddingDim / 2);

        // When it is loaded with one byte changed, truncated, replaced by another file, or into the other model
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(dir.File("flipped.ckpt"), flipped);
        File.WriteAllBytes(dir.File("truncated.ckpt"), bytes[..(bytes.Length / 3)]);
        File.WriteAllText(dir.File("foreign.ckpt"), "{\"epochs_done\": 1}");
        var errors = new[] { "flipped", "truncated", "foreign" }
            .Select(name => Record.Exception(() => Checkpoint.Load(dir.File(name + ".ckpt"), target, targetLoss, targetOptimizer)))
            .Append(Record.Exception(() => Checkpoint.Load(path, narrow, targetLoss, optimizer: null)))
            .ToArray();

        // Then each is a data error saying why, and the target model was not touched
        Assert.All(errors, e => Assert.IsType<DataFormatException>(e));
        Assert.Contains("checksum", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("checksum", errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("not a LossLab checkpoint", errors[2].Message, StringComparison.Ordinal);
        Assert.Contains("model does not match", errors[3].Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(target));
        foreach (var disposable in new IDisposable[] { model, loss, optimizer, target, targetLoss, targetOptimizer })
        {
            disposable.Dispose();
        }
    }

    [Fact]
    public void Should_KeepThePreviousCheckpoint_When_TheDiskFillsWhileACheckpointIsWritten()
    {
        // Given a good checkpoint, and its temporary file pointing at /dev/full, where every write fails with
        // "No space left on device" (a full disk, for real, without filling one)
        Assert.True(File.Exists("/dev/full"), "/dev/full is missing");
        using var threads = new TorchThreads(1);
        using var dir = new TempFolder();
        var path = dir.File("last.ckpt");
        var options = new TrainOptions { LossOptions = new MarginLossOptions(), EmbeddingDim = 8 };
        torch.manual_seed(1);
        using var loss = LossRegistry.Create(new MarginLossOptions(), new LossContext(10, 8));
        using var model = ModelRegistry.Create("small-cnn", 1, 0, 8);
        using var optimizer = TrainingSession.CreateOptimizer(options, model, loss);
        Checkpoint.Save(path, model, loss, optimizer, new TrainingState { EpochsDone = 1, History = [new EpochMetrics { Epoch = 1 }] });
        var good = File.ReadAllBytes(path);
        var temp = AtomicFile.TempPath(path, Environment.ProcessId);
        File.CreateSymbolicLink(temp, "/dev/full");

        // When the next checkpoint is written over it
        var error = Record.Exception(() => Checkpoint.Save(path, model, loss, optimizer, new TrainingState { EpochsDone = 2 }));

        // Then the write fails naming the checkpoint and the cause; the old checkpoint is byte-identical and
        // loads, and the temporary file is gone
        Assert.IsAssignableFrom<IOException>(error);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Equal(1, Checkpoint.Load(path, model, loss, optimizer).EpochsDone);
        Assert.False(File.Exists(temp) || new FileInfo(temp).LinkTarget is not null, "temporary file left behind");
    }

    [Fact]
    public void Should_ShowTheFirstEntryThatDiffers_When_TheCheckpointIsForAnotherModel()
    {
        // Given a checkpoint of a small-cnn with 16-wide embeddings and a small-cnn with 8-wide ones, whose
        // layouts agree for every convolution and differ only at the embedding layer, far into the layout
        using var dir = new TempFolder();
        var (model, loss, optimizer) = Create(new TrainOptions { LossOptions = new TripletLossOptions(), EmbeddingDim = EmbeddingDim }, "triplet", seed: 1);
        var path = dir.File("last.ckpt");
        Checkpoint.Save(path, model, loss, optimizer, new TrainingState());
        using var narrow = ModelRegistry.Create("small-cnn", 1, 0, EmbeddingDim / 2);
        var (key, wide) = model.state_dict().First(e => !e.Value.shape.SequenceEqual(narrow.state_dict()[e.Key].shape));
        var stored = string.Join('x', wide.shape);
        var expected = string.Join('x', narrow.state_dict()[key].shape);

        // When it is loaded into the narrow model
        var error = Assert.Throws<DataFormatException>(() => Checkpoint.Load(path, narrow, loss, optimizer: null));

        // Then the message shows that entry as stored and as expected, not two copies of the common beginning
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Contains(stored, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        foreach (var disposable in new IDisposable[] { model, loss, optimizer })
        {
            disposable.Dispose();
        }
    }

    private static (LabModel Model, LossModule Loss, optim.Optimizer Optimizer) Create(TrainOptions options, string lossName, int seed)
    {
        torch.manual_seed(seed);
        var loss = LossRegistry.Create(LossRegistry.Find(lossName).Defaults, new LossContext(Classes, EmbeddingDim));
        var model = ModelRegistry.Create("small-cnn", 1, loss.Input == LossInput.Logits ? Classes : 0, EmbeddingDim);
        return (model, loss, TrainingSession.CreateOptimizer(options, model, loss));
    }

    /// <summary>8 random 28×28 images, 2 per class, as a P×K batch.</summary>
    private static (Tensor Images, Tensor Labels) BatchTensors()
    {
        torch.manual_seed(42);
        return (torch.randn(8, 1, 28, 28), torch.arange(Classes, dtype: ScalarType.Int64).repeat_interleave(2));
    }

    private static void Step(LabModel model, LossModule loss, optim.Optimizer optimizer, Tensor images, Tensor labels, int step)
    {
        using var scope = torch.NewDisposeScope();
        model.train();
        optimizer.zero_grad();

        // The trainer reseeds torch per batch; sampling losses draw the same triplets in every copy.
        torch.manual_seed(1000 + step);
        var output = model.forward(images);
        var value = loss.forward(loss.Input == LossInput.Logits ? output.Logits! : output.Embedding, labels);
        value.backward();
        optimizer.step();
    }

    /// <summary>Whether both optimizers hold the same per-parameter state (Adam: step, moments; SGD: momentum buffer).</summary>
    private static bool OptimizerStatesEqual(optim.Optimizer a, optim.Optimizer b)
    {
        var left = ((TorchSharp.Modules.OptimizerHelper)a).state_dict().State;
        var right = ((TorchSharp.Modules.OptimizerHelper)b).state_dict().State;
        return left.Count > 0 && left.Count == right.Count && left.Zip(right).All(p => p.First.ApproximatelyEquals(p.Second));
    }

    /// <summary>Every parameter and buffer as (name, raw bytes), for exact comparison.</summary>
    private static List<(string Name, string Bytes)> Snapshot(nn.Module module) =>
        module.named_parameters().Select(p => (p.name, Convert.ToBase64String(p.parameter.detach().cpu().bytes)))
            .Concat(module.named_buffers().Select(b => (b.name, Convert.ToBase64String(b.buffer.cpu().bytes))))
            .ToList();

    /// <summary>The checkpoint with the (unique) bytes of <paramref name="weight"/> replaced by NaN and the SHA-256 trailer recomputed.</summary>
    private static byte[] WithNaN(byte[] checkpoint, float weight)
    {
        var bytes = (byte[])checkpoint.Clone();
        var pattern = BitConverter.GetBytes(weight);
        var at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at > 0 && bytes.AsSpan(at + 1).IndexOf(pattern) < 0, "weight bytes not unique in the file");
        BitConverter.GetBytes(float.NaN).CopyTo(bytes, at);
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes, bytes.Length - 32);
        return bytes;
    }

    private sealed class DisposablePair((Tensor Images, Tensor Labels) tensors) : IDisposable
    {
        public Tensor Images { get; } = tensors.Images;

        public Tensor Labels { get; } = tensors.Labels;

        public void Dispose()
        {
            Images.Dispose();
            Labels.Dispose();
        }
    }
}
