using System.CommandLine;
using LossLab.Interop;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab export</c>: a trained model as a PyTorch state_dict plus a JSON of its preprocessing and labels.</summary>
public static class ExportCommand
{
    /// <summary>What <c>--format onnx</c> answers: the route through PyTorch.</summary>
    internal const string OnnxRoute =
        "--format onnx: not written by LossLab (no package it builds on converts TorchSharp models to ONNX). " +
        "Export --format pytorch, then in Python with python/losslab_models.py: " +
        "model, info = losslab_models.load('model.pt'); " +
        "torch.onnx.export(model, torch.zeros(1, info['in_channels'], info['input_height'], info['input_width']), 'model.onnx'). " +
        "See the README section 'Models in and out of PyTorch'.";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var source = new Argument<string>("RUN_OR_CHECKPOINT") { Description = "A run directory (its best.ckpt, or --checkpoint last) or one of its checkpoint files" };
        var format = new Option<string>("--format") { Description = "pytorch (default): a state_dict for torch.load and python/losslab_models.py", DefaultValueFactory = _ => "pytorch" };
        var output = new Option<string>("--out") { Description = "File to write, e.g. model.pt; the JSON goes beside it (model.json)", Required = true };
        var checkpoint = new Option<string>("--checkpoint") { Description = "For a run directory: best (default) or last", DefaultValueFactory = _ => "best" };
        var command = new Command("export", "Export a trained model's weights as a PyTorch state_dict, with a JSON of its preprocessing, class names and output");
        command.Arguments.Add(source);
        foreach (var option in new Option[] { format, output, checkpoint })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            var what = parse.GetValue(format)!;
            if (what == "onnx")
            {
                throw new ArgumentException(OnnxRoute, "--format");
            }

            if (what != "pytorch")
            {
                throw new ArgumentException($"--format: '{what}' is not valid; valid: pytorch (onnx through PyTorch, see --help)", "--format");
            }

            var path = parse.GetValue(source)!;
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new ArgumentException($"RUN_OR_CHECKPOINT: '{path}' is neither a run directory nor a checkpoint file", "RUN_OR_CHECKPOINT");
            }

            var outPath = parse.GetValue(output)!;
            ModelExporter.InfoPath(outPath);
            using var saved = File.Exists(path)
                ? SavedRun.Open(Path.GetDirectoryName(Path.GetFullPath(path))!, path, device: DeviceKind.Cpu)
                : SavedRun.Open(path, parse.GetValue(checkpoint)!, device: DeviceKind.Cpu);
            var info = ModelExporter.Export(saved, outPath);
            Console.WriteLine($"{info.Architecture} ({saved.Model.ParameterCount():N0} parameters{(info.LossEntries.Count > 0 ? ", with " + string.Join(", ", info.LossEntries) : "")}) from {saved.CheckpointPath}");
            Console.WriteLine($"weights: {Path.GetFullPath(outPath)}");
            Console.WriteLine($"preprocessing, classes and output: {ModelExporter.InfoPath(outPath)}");
            Console.WriteLine($"in Python: model, info = losslab_models.load('{outPath}')");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
