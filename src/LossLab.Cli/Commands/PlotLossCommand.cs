using System.CommandLine;
using System.Globalization;
using LossLab.Reporting;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab plot-loss</c>: the improved loss and its gradient against the logit margin, as plots and loss.csv.</summary>
public static class PlotLossCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var betas = new Option<string?>("--beta") { Description = "Softmax scales, comma-separated (default 1,4)" };
        var gammas = new Option<string?>("--gamma") { Description = "Focusing exponents, comma-separated (default 0,2,5)" };
        var outDir = new Option<string>("--out") { Description = "Folder for loss.csv, loss.png/svg and grad.png/svg", Required = true };
        var min = new Option<double?>("--x-min") { Description = "Smallest logit margin (default -5)" };
        var max = new Option<double?>("--x-max") { Description = "Largest logit margin (default 5)" };
        var points = new Option<int?>("--points") { Description = "Margins per curve (default 201)" };
        var command = new Command("plot-loss", "Plot the improved loss and |dloss/dx| against the logit margin x (two classes, logits (x, 0)) for each beta and gamma; write loss.csv");
        foreach (Option option in new Option[] { betas, gammas, outDir, min, max, points })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            var b = ParseList("--beta", parse.GetValue(betas) ?? "1,4");
            var g = ParseList("--gamma", parse.GetValue(gammas) ?? "0,2,5");
            if (b.Any(v => !(v > 0)))
            {
                throw new ArgumentException("--beta: every value must be > 0", "--beta");
            }

            if (g.Any(v => !(v >= 0)))
            {
                throw new ArgumentException("--gamma: every value must be ≥ 0", "--gamma");
            }

            var count = parse.GetValue(points) ?? 201;
            if (count < 2)
            {
                throw new ArgumentOutOfRangeException("--points", count, "must be ≥ 2");
            }

            var margins = LossLandscape.Margins(parse.GetValue(min) ?? -5, parse.GetValue(max) ?? 5, count);
            var rows = LossLandscape.Compute(b, g, margins);
            var directory = parse.GetValue(outDir)!;
            Directory.CreateDirectory(directory);
            var csv = Path.Combine(directory, "loss.csv");
            LossLandscape.WriteCsv(csv, rows);
            foreach (var plot in LossLandscape.Plot(directory, rows))
            {
                Console.WriteLine($"plot: {plot.PngPath}");
            }

            Console.WriteLine($"csv: {Path.GetFullPath(csv)}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static double[] ParseList(string flag, string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new ArgumentException($"{flag}: at least one value is needed", flag);
        }

        return parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new ArgumentException($"{flag}: '{p}' is not a number", flag)).ToArray();
    }
}
