using System.CommandLine;
using System.Text.RegularExpressions;
using LossLab.Cli.Commands;
using LossLab.Hosting;

namespace LossLab.Cli;

/// <summary>Entry point of the <c>losslab</c> command.</summary>
public static partial class Program
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
        root.Subcommands.Add(ExportCommand.Create());
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
                Console.Error.WriteLine($"losslab: {Readable(error.Message)}");
            }

            Console.Error.WriteLine("Run 'losslab --help' or 'losslab <command> --help' for usage.");
            return ExitCodes.BadInput;
        }

        return parse.Invoke();
    }

    /// <summary>A parse error in the user's terms: "--epochs: 'x' is not a whole number" rather than a .NET type name.</summary>
    internal static string Readable(string message)
    {
        var match = UnparsedValue().Match(message);
        if (!match.Success)
        {
            return message;
        }

        var type = match.Groups["type"].Value;
        var kind = type switch
        {
            _ when type.Contains("System.Int32", StringComparison.Ordinal) => $"a whole number from {int.MinValue} to {int.MaxValue}",
            _ when type.Contains("System.Int64", StringComparison.Ordinal) => $"a whole number from {long.MinValue} to {long.MaxValue}",
            _ when type.Contains("System.Double", StringComparison.Ordinal) || type.Contains("System.Single", StringComparison.Ordinal) => "a number (e.g. 0.001 or 1e-3)",
            _ when type.Contains("System.Boolean", StringComparison.Ordinal) => "true or false",
            _ => "a valid value",
        };
        return $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {kind}";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.?$", RegexOptions.Singleline)]
    private static partial Regex UnparsedValue();
}
