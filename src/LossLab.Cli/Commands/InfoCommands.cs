using System.CommandLine;
using System.Globalization;
using LossLab.Data;
using LossLab.Losses;
using LossLab.Models;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab datasets</c>, <c>models</c> and <c>losses</c>: what is available and where.</summary>
public static class InfoCommands
{
    /// <summary>Lists each dataset, where it was found (or why not) and its counts per class.</summary>
    public static Command Datasets()
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder to search first" };
        var command = new Command("datasets", "List the datasets, where each was found (or why not) and the images per class");
        command.Options.Add(dataDir);
        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            foreach (var status in DatasetRegistry.Describe(new DataOptions { DataDir = parse.GetValue(dataDir) }))
            {
                Console.WriteLine($"{status.Name,-16} {(status.IsAvailable ? "found: " + status.Location : "not found: " + status.Problem)}");
                if (status.IsAvailable)
                {
                    Console.WriteLine($"{"",-16} train {status.TrainCounts.Sum(),6}: {string.Join(' ', status.TrainCounts)}");
                    Console.WriteLine($"{"",-16} test  {status.TestCounts.Sum(),6}: {string.Join(' ', status.TestCounts)}");
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Lists the architectures with their parameter counts.</summary>
    public static Command Models()
    {
        var classes = new Option<int>("--classes") { Description = "Classes of the classifier head", DefaultValueFactory = _ => 10 };
        var channels = new Option<int>("--channels") { Description = "Input channels (1 or 3)", DefaultValueFactory = _ => 3 };
        var command = new Command("models", "List the architectures and their parameter counts");
        command.Options.Add(classes);
        command.Options.Add(channels);
        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            Console.WriteLine($"{"model",-12} {"parameters",12}  description");
            foreach (var description in ModelRegistry.Describe())
            {
                using var model = ModelRegistry.Create(description.Name, parse.GetValue(channels), parse.GetValue(classes));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{description.Name,-12} {model.ParameterCount(),12:N0}  {description.Description}"));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Lists the losses, what each is, and its options with their defaults.</summary>
    public static Command Losses()
    {
        var command = new Command("losses", "List the losses, their options (the train flags) and the defaults");
        command.SetAction(_ => ErrorHandling.Run(() =>
        {
            foreach (var loss in LossRegistry.All)
            {
                Console.WriteLine($"{loss.Name,-16}{loss.Description}");
                foreach (var option in loss.Options)
                {
                    var value = option.IsSwitch ? "" : $" {option.Default ?? "(none)"}";
                    var choices = option.Choices.Count > 0 ? $" ({string.Join(", ", option.Choices)})" : "";
                    Console.WriteLine($"{"",-16}--{option.Key}{value}  {option.Description}{choices}");
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
