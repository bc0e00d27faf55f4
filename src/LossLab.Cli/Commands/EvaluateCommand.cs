using System.CommandLine;
using System.Text.Json;
using LossLab.Hosting;
using LossLab.Losses;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab evaluate</c>: re-evaluates a saved model and writes the same metrics training logs.</summary>
public static class EvaluateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run directory (holds config.json and best.ckpt/last.ckpt)", Required = true };
        var checkpoint = new Option<string>("--checkpoint") { Description = "best (default: highest test macro-F1) or last", DefaultValueFactory = _ => "best" };
        var dataset = new Option<string?>("--dataset") { Description = "Evaluate on this dataset instead of the run's own (same classes)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder holding the dataset files" };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };
        var output = new Option<string?>("--out") { Description = "Where to write the metrics JSON (default: RUN/evaluation.json)" };
        var command = new Command("evaluate", "Re-evaluate a saved model on the test split: accuracy, macro-F1, NMI, k-means NMI, pair F1, Recall@K");
        foreach (var option in new Option[] { run, checkpoint, dataset, dataDir, device, output })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            using var saved = SavedRun.Open(parse.GetValue(run)!, parse.GetValue(checkpoint)!, parse.GetValue(dataset), parse.GetValue(dataDir), EnumNames.Parse<DeviceKind>(parse.GetValue(device)!, "--device"));
            ProcessSettings.ApplyThreads(saved.Options.Threads);
            var metrics = saved.Evaluate();
            var json = JsonSerializer.Serialize(metrics, JsonDefaults.Indented);
            AtomicFile.WriteText(parse.GetValue(output) ?? Path.Combine(saved.Run.Path, "evaluation.json"), json + "\n");
            Console.WriteLine(json);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
