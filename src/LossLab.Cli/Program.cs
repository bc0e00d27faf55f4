using System.CommandLine;
using LossLab.Cli.Commands;
using LossLab.Hosting;

namespace LossLab.Cli;

/// <summary>Entry point of the <c>losslab</c> command.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the command; returns the exit code.</summary>
    public static int Main(string[] args)
    {
        // The command owns its process: before anything loads libtorch, which reads the environment once (passive
        // OpenMP waits, oneDNN limited to AVX2), and before the first large allocation (malloc keeps freed memory).
        // Each command applies its run's thread count itself.
        ProcessSettings.Apply(new ProcessSettings());
        // A plain command named like the installed tool, rather than RootCommand (named after the assembly).
        var root = new Command("losslab", "LossLab: does this loss really help my image classifier? Train, evaluate and compare losses.");
        root.Options.Add(new System.CommandLine.Help.HelpOption());
        root.Options.Add(new VersionOption());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(InfoCommands.Datasets());
        root.Subcommands.Add(InfoCommands.Models());
        root.Subcommands.Add(InfoCommands.Losses());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(EmbedCommand.Create());
        root.Subcommands.Add(MetricsCommand.Create());
        root.Subcommands.Add(SweepCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(ReproduceCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(PlotLossCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(JobCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"losslab: {error.Message}");
            }

            Console.Error.WriteLine("Run 'losslab --help' or 'losslab <command> --help' for usage.");
            return ExitCodes.BadInput;
        }

        return parse.Invoke();
    }
}
