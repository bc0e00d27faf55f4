using System.CommandLine;
using LossLab.Reporting;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab report DIR...</c>: report.html and report.md from experiment or run directories, merging shards.</summary>
public static class ReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var directories = new Argument<string[]>("directories") { Description = "Experiment directories (shards of one experiment are merged), run directories or folders of runs", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string?>("--out") { Description = "Folder of the report (default: the directory, when only one is given)" };
        var title = new Option<string?>("--title") { Description = "Report heading (default: the experiment's title)" };
        var command = new Command("report", "Write report.html (self-contained) and report.md with tables and figures from experiment or run directories");
        command.Arguments.Add(directories);
        command.Options.Add(outDir);
        command.Options.Add(title);
        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            var dirs = parse.GetValue(directories) ?? [];
            var output = parse.GetValue(outDir)
                ?? (dirs.Length == 1 ? dirs[0] : throw new ArgumentException("--out: several directories need a folder for the merged report", "--out"));
            ReportBuilder.Build(dirs, output, parse.GetValue(title));
            Console.WriteLine($"report: {Path.Combine(Path.GetFullPath(output), Report.HtmlFileName)}");
            Console.WriteLine($"        {Path.Combine(Path.GetFullPath(output), Report.MarkdownFileName)}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
