using System.Security.Cryptography;
using System.Text;
using LossLab.Data;
using LossLab.Evaluation;
using LossLab.Losses;
using LossLab.Runs;
using LossLab.Tests.Data;
using LossLab.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LossLab.Tests.Runs;

/// <summary>
/// The readers of what a run writes (checkpoint, config.json, summary.json, metrics.jsonl) and of the decoded-image
/// cache, fed 10,000 mutations each of real files: each either reads the file or raises
/// <see cref="DataFormatException"/> (the cache: reports a miss), never another exception.
/// </summary>
public sealed class RunFileFuzzTests(ITestOutputHelper output)
{
    private const int Mutations = 10_000;

    [Fact]
    public void Should_RaiseOnlyDataFormatException_When_ACheckpointIsDamaged()
    {
        // Given a real checkpoint (small modules: a linear layer with BatchNorm statistics, the margin loss's β,
        // Adam moments after a step) and its parts: magic, state JSON, tensors
        using var threads = new TorchThreads(1);
        using var dir = new TempFolder(inMemory: true);
        torch.manual_seed(1);
        using var model = nn.Sequential(("linear", nn.Linear(3, 4)), ("norm", nn.BatchNorm1d(4)));
        using var loss = LossRegistry.Create(new MarginLossOptions(), new LossContext(2, 4));
        using var optimizer = torch.optim.Adam(model.parameters().Concat(loss.parameters()), 1e-3);
        using (var scope = torch.NewDisposeScope())
        {
            var embeddings = model.forward(torch.randn(8, 3));
            loss.forward(embeddings, torch.tensor(new long[] { 0, 0, 0, 0, 1, 1, 1, 1 })).backward();
            optimizer.step();
        }

        var state = new TrainingState { EpochsDone = 1, BatchesDone = 3, LossSum = 0.5, SkippedBatches = 1, History = [new EpochMetrics { Epoch = 1, Accuracy = 0.5, RecallAt1 = 0.25 }] };
        var path = dir.File("last.ckpt");
        Checkpoint.Save(path, model, loss, optimizer, state);
        var original = File.ReadAllBytes(path);
        var (head, json, layouts, tensors) = Split(original);
        var mutator = new Mutator(11);

        // When / Then: damage any bytes (as a disk or a partial copy would), or, behind a valid checksum (as a
        // faulty writer would), damage the state JSON or the tensor layout
        var outcome = FuzzRunner.Run(Mutations, i =>
        {
            var bytes = (i % 4) switch
            {
                0 => WithChecksum([.. head, .. LengthPrefixed(mutator.Json(json)), .. layouts, .. tensors]),
                1 => WithChecksum([.. head, .. LengthPrefixed(json), .. mutator.Bytes(layouts), .. tensors]),
                _ => mutator.Bytes(original),
            };
            File.WriteAllBytes(path, bytes);
            Checkpoint.Load(path, model, loss, optimizer);
        });
        output.WriteLine(outcome);
    }

    [Theory]
    [InlineData("config.json")]
    [InlineData("summary.json")]
    [InlineData("metrics.jsonl")]
    public void Should_RaiseOnlyDataFormatException_When_ARunFileIsDamaged(string file)
    {
        // Given the real file as the trainer writes it
        using var dir = new TempFolder(inMemory: true);
        var run = new RunDirectory(dir.Path);
        var rows = new[]
        {
            new EpochMetrics { Epoch = 1, TrainLoss = 0.9, Accuracy = 0.5, F1Macro = 0.4, Nmi = 0.3, KmeansNmi = 0.3, PairF1 = 0.2, RecallAt1 = 0.6, RecallAt2 = 0.7, RecallAt4 = 0.8, RecallAt8 = 0.9, TrainSeconds = 1 },
            new EpochMetrics { Epoch = 2, TrainLoss = 0.7, Accuracy = 0.6, F1Macro = 0.5, Nmi = 0.4, SkippedBatches = 2 },
        };
        var options = new TrainOptions { LossOptions = new ImprovedLossOptions { Beta = 4, Alpha = ClassWeights.Of(1, 2) }, TrainLimit = 100 };
        run.WriteConfig(new RunConfig { Options = options, NumClasses = 2, Versions = RunVersions.Collect() });
        run.WriteSummary(new RunSummary { Completed = true, Epochs = 2, Final = rows[1], Best = rows[1], Dataset = "fashion-mnist", Model = "small-cnn", Loss = "improved" });
        run.WriteMetrics(rows);
        var path = dir.File(file);
        var original = File.ReadAllText(path);
        Action read = file switch
        {
            "config.json" => () => run.ReadConfig(),
            "summary.json" => () => run.ReadSummary(),
            _ => () => run.ReadMetrics(),
        };
        var mutator = new Mutator(file.Length);

        // When / Then: one line of metrics.jsonl, or the whole JSON file, is damaged
        var outcome = FuzzRunner.Run(Mutations, _ =>
        {
            if (file.EndsWith(".jsonl", StringComparison.Ordinal))
            {
                var lines = original.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                var index = mutator.Next(lines.Length);
                lines[index] = mutator.Json(lines[index]).ReplaceLineEndings(" ");
                File.WriteAllText(path, string.Join('\n', lines) + "\n");
            }
            else
            {
                File.WriteAllText(path, mutator.Json(original));
            }

            read();
        });
        output.WriteLine($"{file}: {outcome}");
    }

    [Fact]
    public void Should_ReportAMissNeverAnError_When_TheImageCacheIsDamaged()
    {
        // Given a real cache file of a 3-image folder dataset
        using var threads = new TorchThreads(1);
        using var dir = new TempFolder(inMemory: true);
        var source = dir.File("images");
        Directory.CreateDirectory(source);
        const string Key = "key-1";
        using (var dataset = new ImageDataset(
            "images",
            source,
            ["a", "b"],
            new DatasetSplit(torch.randint(0, 255, [2, 1, 4, 3], dtype: ScalarType.Byte), torch.tensor(new long[] { 0, 1 })),
            new DatasetSplit(torch.randint(0, 255, [1, 1, 4, 3], dtype: ScalarType.Byte), torch.tensor(new long[] { 1 })),
            [0.5f],
            [0.25f]))
        {
            Assert.NotNull(ImageFolderCache.TrySave(source, Key, dataset));
        }

        var path = ImageFolderCache.Locations(source)[0];
        var original = File.ReadAllBytes(path);
        var mutator = new Mutator(5);

        // When / Then: a damaged cache loads (if still consistent) or is a miss, and never throws
        var (hits, misses) = (0, 0);
        var outcome = FuzzRunner.Run(Mutations, _ =>
        {
            File.WriteAllBytes(path, mutator.Bytes(original));
            using var loaded = ImageFolderCache.TryLoad(source, Key, "images");
            if (loaded is null)
            {
                misses++;
                throw new DataFormatException(path, "miss");
            }

            hits++;
        });
        output.WriteLine($"{outcome}: {hits} hits, {misses} misses");
    }

    /// <summary>A checkpoint's magic (length-prefixed), state JSON, three layout strings, and tensors (without the trailing SHA-256).</summary>
    private static (byte[] Head, string Json, byte[] Layouts, byte[] Tensors) Split(byte[] checkpoint)
    {
        using var reader = new BinaryReader(new MemoryStream(checkpoint), Encoding.UTF8);
        reader.ReadString();
        var headEnd = (int)reader.BaseStream.Position;
        var json = reader.ReadString();
        var layoutStart = (int)reader.BaseStream.Position;
        for (var i = 0; i < 3; i++)
        {
            reader.ReadString();
        }

        var tensorStart = (int)reader.BaseStream.Position;
        return (checkpoint[..headEnd], json, checkpoint[layoutStart..tensorStart], checkpoint[tensorStart..^32]);
    }

    private static byte[] WithChecksum(byte[] payload) => [.. payload, .. SHA256.HashData(payload)];

    private static byte[] LengthPrefixed(string text)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(text);
        }

        return stream.ToArray();
    }
}
