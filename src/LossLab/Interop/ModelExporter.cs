using System.Globalization;
using System.Text.Json;
using LossLab.Losses;
using LossLab.Runs;
using static TorchSharp.torch;

namespace LossLab.Interop;

/// <summary>
/// Writes a trained model as a PyTorch state_dict that loads with <c>load_state_dict(strict=True)</c> into
/// <c>losslab_models.LabModel</c> (<c>python/losslab_models.py</c>), plus an <see cref="ExportInfo"/> JSON beside it.
/// The names are LossLab's own; the loss's learnable state, if any, follows as <c>loss.NAME</c>.
/// </summary>
public static class ModelExporter
{
    /// <summary>The JSON path that goes with a state_dict path: the same name with <c>.json</c>.</summary>
    /// <exception cref="ArgumentException">The state_dict path itself ends in <c>.json</c>.</exception>
    public static string InfoPath(string stateDictPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateDictPath);
        if (Path.GetExtension(stateDictPath).Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"--out: '{stateDictPath}' would be overwritten by the JSON written beside the weights; name the weights e.g. model.pt", "--out");
        }

        return Path.ChangeExtension(Path.GetFullPath(stateDictPath), ".json");
    }

    /// <summary>The tensors an export holds, in order: the model's state_dict, then the loss's as <c>loss.NAME</c>.</summary>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> Tensors(nn.Module model, nn.Module loss)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        return model.state_dict()
            .Concat(loss.state_dict().Select(e => KeyValuePair.Create(StateDictLoader.LossPrefix + e.Key, e.Value)))
            .ToArray();
    }

    /// <summary>Exports <paramref name="saved"/> to <paramref name="stateDictPath"/> and its JSON (<see cref="InfoPath"/>); both writes are atomic.</summary>
    /// <returns>What the JSON says.</returns>
    public static ExportInfo Export(SavedRun saved, string stateDictPath)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var infoPath = InfoPath(stateDictPath);
        var directory = Path.GetDirectoryName(infoPath)!;
        Directory.CreateDirectory(directory);
        var tensors = Tensors(saved.Model, saved.Loss);
        var sha = PyTorchStateDict.Write(stateDictPath, tensors);
        var hasClassifier = saved.Model.NumClasses > 0;
        var scale = saved.Loss is ImprovedLoss improved ? improved.Beta : 1.0;
        var info = new ExportInfo
        {
            Architecture = saved.Options.Model.ToLowerInvariant(),
            InChannels = saved.Data.Channels,
            InputHeight = saved.Data.Height,
            InputWidth = saved.Data.Width,
            EmbeddingDim = saved.Model.EmbeddingDim,
            NumClasses = saved.Data.NumClasses,
            Classifier = hasClassifier,
            ClassNames = saved.Data.ClassNames,
            NormalizationMean = saved.Data.Mean,
            NormalizationStd = saved.Data.Std,
            Loss = saved.Options.Loss.ToLowerInvariant(),
            LossParameters = LossRegistry.Of(saved.Options.LossOptions).Options
                .Where(o => o.Format(saved.Options.LossOptions) is not null)
                .ToDictionary(o => o.Key, o => (object)o.Format(saved.Options.LossOptions)!),
            LossEntries = tensors.Select(t => t.Key).Where(n => n.StartsWith(StateDictLoader.LossPrefix, StringComparison.Ordinal)).ToArray(),
            SoftmaxScale = hasClassifier ? scale : null,
            Probabilities = hasClassifier ? (scale == 1.0 ? "softmax(logits)" : string.Create(CultureInfo.InvariantCulture, $"softmax({scale:R} * logits)")) : null,
            Prediction = hasClassifier
                ? "argmax of the logits"
                : "no classifier: the class whose mean L2-normalised training embedding is nearest in cosine similarity",
            Run = saved.Run.Path,
            Checkpoint = saved.CheckpointPath,
            EpochsTrained = saved.State.EpochsDone,
            StateDictSha256 = sha,
            Versions = RunVersions.Collect(),
        };
        AtomicFile.WriteText(infoPath, JsonSerializer.Serialize(info, JsonDefaults.Indented) + "\n");
        return info;
    }
}
