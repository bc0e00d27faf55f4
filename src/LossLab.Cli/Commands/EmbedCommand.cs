using System.CommandLine;
using System.Globalization;
using System.Text;
using LossLab.Hosting;
using LossLab.Runs;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab embed</c>: exports test embeddings as CSV (<c>label,e0,e1,...</c>), the format <c>losslab metrics --embeddings</c> reads.</summary>
public static class EmbedCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run directory", Required = true };
        var output = new Option<string>("--out") { Description = "CSV file to write", Required = true };
        var checkpoint = new Option<string>("--checkpoint") { Description = "best (default) or last", DefaultValueFactory = _ => "best" };
        var dataset = new Option<string?>("--dataset") { Description = "Embed this dataset's test split instead of the run's own" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder holding the dataset files" };
        var command = new Command("embed", "Export the test split's embeddings of a saved model as CSV (label, then the embedding)");
        foreach (var option in new Option[] { run, output, checkpoint, dataset, dataDir })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            using var saved = SavedRun.Open(parse.GetValue(run)!, parse.GetValue(checkpoint)!, parse.GetValue(dataset), parse.GetValue(dataDir));
            ProcessSettings.ApplyThreads(saved.Options.Threads);
            var (embeddings, labels) = saved.EmbedTest();
            using (embeddings)
            using (labels)
            {
                var path = parse.GetValue(output)!;
                WriteCsv(path, embeddings.data<float>().ToArray(), labels.data<long>().ToArray(), (int)embeddings.shape[1]);
                Console.WriteLine($"{labels.shape[0]} embeddings of dimension {embeddings.shape[1]} written to {Path.GetFullPath(path)}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void WriteCsv(string path, float[] values, long[] labels, int dim)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.Write("label");
            for (var j = 0; j < dim; j++)
            {
                writer.Write(",e");
                writer.Write(j.ToString(CultureInfo.InvariantCulture));
            }

            writer.Write('\n');
            for (var i = 0; i < labels.Length; i++)
            {
                writer.Write(labels[i].ToString(CultureInfo.InvariantCulture));
                for (var j = 0; j < dim; j++)
                {
                    writer.Write(',');
                    writer.Write(values[(i * dim) + j].ToString("R", CultureInfo.InvariantCulture));
                }

                writer.Write('\n');
            }
        });
    }
}
