using System.Globalization;
using LossLab.Data;
using LossLab.Losses;
using LossLab.Models;
using LossLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Interop;

/// <summary>
/// Loads a PyTorch state_dict into a model and its loss (<c>--init-from</c>). The names are those of
/// <c>python/losslab_models.py</c> and of <c>losslab export</c>: the model's own (<c>backbone.…</c>,
/// <c>embedding.…</c>, <c>classifier.…</c>) and <c>loss.NAME</c> for the loss's learnable state.
/// </summary>
public static class StateDictLoader
{
    /// <summary>Prefix of the loss's entries in an exported state_dict.</summary>
    public const string LossPrefix = "loss.";

    /// <summary>
    /// Copies the file's tensors into <paramref name="model"/> and <paramref name="loss"/> (any device).
    /// Strict: the file must hold exactly the model's and loss's tensors, with their shapes, as PyTorch's
    /// <c>load_state_dict(strict=True)</c>. Otherwise every tensor whose name and shape match is loaded and the
    /// rest is skipped, with the reason; at least one must match.
    /// </summary>
    /// <exception cref="DataFormatException">Strict and the tensors differ, or nothing matches; nothing was changed.</exception>
    public static InitFromRecord Load(LabModel model, LossModule loss, PyTorchStateDict file, bool strict)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(file);
        var targets = Targets(model, loss);
        var record = Match(targets, file, strict);
        using (torch.no_grad())
        {
            foreach (var name in record.Loaded)
            {
                targets[name].copy_(file.Tensors[name]);
            }
        }

        return record;
    }

    /// <summary>
    /// Checks <see cref="TrainOptions.InitFrom"/> before a run starts: the file is a readable state_dict and its
    /// names fit the architecture (strict: exactly; otherwise at least one). Shapes that depend on the dataset
    /// (input channels, classes) are checked by <see cref="Load"/> once the data is known.
    /// </summary>
    /// <exception cref="DataFormatException">The file is unreadable or does not fit.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static void Check(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.InitFrom is null)
        {
            return;
        }

        using var file = PyTorchStateDict.Read(options.InitFrom);

        // Names do not depend on the channels or classes: the options' probe loss (as many classes as its class
        // weights) and a model with 1 channel and 2 classes have all of them.
        using var loss = options.ProbeLoss();
        using var model = ModelRegistry.Create(options.Model, 1, loss.Input == LossInput.Logits ? 2 : 0, options.EmbeddingDim);
        var names = Targets(model, loss).Keys.ToHashSet(StringComparer.Ordinal);
        var unexpected = file.Tensors.Keys.Where(n => !names.Contains(n)).ToArray();
        var missing = names.Where(n => !file.Tensors.ContainsKey(n)).ToArray();
        if (options.InitFromStrict && (unexpected.Length > 0 || missing.Length > 0))
        {
            throw new DataFormatException(file.Path, $"does not hold the tensors of a {options.Model} model with loss '{options.Loss}' ({Difference(unexpected, missing)}); without --init-from-strict the matching tensors are loaded");
        }

        if (unexpected.Length == file.Tensors.Count)
        {
            throw new DataFormatException(file.Path, $"no tensor name fits a {options.Model} model (the file holds {List(file.Tensors.Keys)}); was it saved from losslab_models.LabModel('{options.Model}', ...)?");
        }
    }

    /// <summary>One line per kind of outcome, for the console.</summary>
    public static IEnumerable<string> Describe(InitFromRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var total = record.Loaded.Count + record.NotInFile.Count;
        yield return $"init-from {record.Path} (sha256 {record.Sha256[..12]}…): loaded {record.Loaded.Count} of the run's {total} tensors";
        foreach (var skipped in record.Skipped)
        {
            yield return $"  skipped {skipped.Name}: {skipped.Reason}";
        }

        if (record.NotInFile.Count > 0)
        {
            yield return $"  not in the file, left at their initial values: {List(record.NotInFile)}";
        }
    }

    /// <summary>The tensors a file can set: the model's state_dict and the loss's as <c>loss.NAME</c>.</summary>
    internal static Dictionary<string, Tensor> Targets(LabModel model, LossModule loss)
    {
        var targets = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in model.state_dict())
        {
            targets[name] = tensor;
        }

        foreach (var (name, tensor) in loss.state_dict())
        {
            targets[LossPrefix + name] = tensor;
        }

        return targets;
    }

    private static InitFromRecord Match(Dictionary<string, Tensor> targets, PyTorchStateDict file, bool strict)
    {
        var loaded = new List<string>();
        var skipped = new List<SkippedTensor>();
        foreach (var (name, tensor) in file.Tensors)
        {
            if (!targets.TryGetValue(name, out var target))
            {
                var reason = name.StartsWith(LossPrefix, StringComparison.Ordinal) ? "the run's loss has no such state" : "the model has no tensor of that name";
                skipped.Add(new SkippedTensor(name, reason));
            }
            else if (!target.shape.SequenceEqual(tensor.shape))
            {
                skipped.Add(new SkippedTensor(name, $"shape {Shape(tensor.shape)} in the file, {Shape(target.shape)} in the run"));
            }
            else if (tensor.is_floating_point() != target.is_floating_point())
            {
                skipped.Add(new SkippedTensor(name, $"element type {tensor.dtype} in the file, {target.dtype} in the run"));
            }
            else
            {
                loaded.Add(name);
            }
        }

        var notInFile = targets.Keys.Where(n => !file.Tensors.ContainsKey(n)).Order(StringComparer.Ordinal).ToArray();
        if (strict && (skipped.Count > 0 || notInFile.Length > 0))
        {
            var detail = string.Join("; ", skipped.Take(3).Select(s => $"{s.Name}: {s.Reason}").Concat(notInFile.Length > 0 ? [$"missing {List(notInFile)}"] : []));
            throw new DataFormatException(file.Path, $"--init-from-strict: the file does not match the run's tensors ({detail})");
        }

        if (loaded.Count == 0)
        {
            throw new DataFormatException(file.Path, $"no tensor of the file fits the run ({string.Join("; ", skipped.Take(3).Select(s => $"{s.Name}: {s.Reason}"))})");
        }

        return new InitFromRecord
        {
            Path = file.Path,
            Sha256 = file.Sha256,
            Bytes = file.Bytes,
            Strict = strict,
            Loaded = loaded,
            Skipped = skipped,
            NotInFile = notInFile,
        };
    }

    private static string Difference(string[] unexpected, string[] missing) =>
        string.Join("; ", new[]
        {
            unexpected.Length > 0 ? $"unexpected {List(unexpected)}" : null,
            missing.Length > 0 ? $"missing {List(missing)}" : null,
        }.Where(s => s is not null));

    private static string List(IEnumerable<string> names)
    {
        var all = names.ToArray();
        return all.Length <= 4 ? string.Join(", ", all) : $"{string.Join(", ", all.Take(4))} and {(all.Length - 4).ToString(CultureInfo.InvariantCulture)} more";
    }

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
