using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LossLab.Cli.Commands;
using LossLab.Experiments;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Cli.Jobs;

/// <summary>
/// Trains each run in a <c>losslab</c> child process of its own (the hidden <see cref="JobCommand"/>), which applies the
/// run's thread count to itself and loads its dataset. The child's standard input carries the run, then stays open:
/// closing it (on cancellation, or by the kernel when this process dies, however) stops the run after its batch
/// with a checkpoint, so no child trains on alone. Its standard output carries progress (<see cref="RunEvent"/>);
/// its standard error is kept for the message when it fails.
/// </summary>
public sealed class ChildRunLauncher : IRunLauncher
{
    private const int KeptErrorLines = 40;
    private readonly bool tensorBoard;
    private readonly string? commandLine;

    /// <summary>Creates the launcher.</summary>
    /// <param name="tensorBoard">Whether runs write TensorBoard event files.</param>
    /// <param name="commandLine">The command line recorded in each new run's <c>config.json</c>.</param>
    public ChildRunLauncher(bool tensorBoard, string? commandLine)
    {
        this.tensorBoard = tensorBoard;
        this.commandLine = commandLine;
    }

    /// <inheritdoc />
    public RunOutcome Train(string experimentDirectory, RunSpec spec, ITrainingObserver observer, CancellationToken cancel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(experimentDirectory);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(observer);
        var info = CliProcess.StartInfo([JobCommand.Name, experimentDirectory]);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.StandardOutputEncoding = Encoding.UTF8;
        info.StandardErrorEncoding = Encoding.UTF8;
        using var process = Process.Start(info) ?? throw new RunProcessException($"run {spec.Id}: could not start {info.FileName}", ExitCodes.Failure);
        var errors = new Queue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (errors)
            {
                errors.Enqueue(e.Data);
                if (errors.Count > KeptErrorLines)
                {
                    errors.Dequeue();
                }
            }
        };
        process.BeginErrorReadLine();

        var input = process.StandardInput;
        var inputGate = new object();
        try
        {
            input.WriteLine(JsonSerializer.Serialize(new RunRequest(spec, tensorBoard, commandLine), JsonDefaults.Compact));
            input.Flush();
        }
        catch (IOException)
        {
            // The child ended before reading its run; its exit code and messages say why.
        }

        RunOutcome? outcome = null;
        using (cancel.Register(() => Close(input, inputGate)))
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                var e = Parse(line);
                if (e is null)
                {
                    lock (errors)
                    {
                        errors.Enqueue(line);
                    }

                    continue;
                }

                outcome = e.Outcome ?? outcome;
                Forward(e, observer);
            }

            process.WaitForExit();
        }

        Close(input, inputGate);
        if (outcome is not null)
        {
            return outcome;
        }

        string[] lines;
        lock (errors)
        {
            lines = [.. errors];
        }

        throw Failure(spec.Id, process.ExitCode, lines);
    }

    /// <summary>The error for a child that ended without an outcome: its own <c>losslab:</c> message when it wrote one, else its last lines.</summary>
    internal static RunProcessException Failure(string id, int exitCode, IReadOnlyList<string> errorLines)
    {
        const string Prefix = "losslab: ";
        var own = errorLines.Where(l => l.StartsWith(Prefix, StringComparison.Ordinal)).Select(l => l[Prefix.Length..]).ToArray();
        var why = own.Length > 0
            ? string.Join("; ", own)
            : $"its process ended with exit code {exitCode}{(exitCode > 128 ? $" (signal {exitCode - 128}{(exitCode - 128 == 9 ? ", e.g. out of memory" : "")})" : "")}"
                + (errorLines.Count > 0 ? ":\n  " + string.Join("\n  ", errorLines.TakeLast(10)) : "");
        var code = exitCode is ExitCodes.BadInput or ExitCodes.NativeLibrary ? exitCode : ExitCodes.Failure;
        return new RunProcessException($"run {id}: {why}", code);
    }

    private static RunEvent? Parse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<RunEvent>(line, JsonDefaults.Compact);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Forward(RunEvent e, ITrainingObserver observer)
    {
        switch (e.Kind)
        {
            case "epoch-started" when e is { Epoch: { } epoch, Epochs: { } epochs, Batches: { } batches }:
                observer.EpochStarted(epoch, epochs, batches);
                break;
            case "batch" when e is { Epoch: { } epoch, Batch: { } batch, Batches: { } batches }:
                observer.BatchFinished(epoch, batch, batches, e.Loss ?? double.NaN, e.ImagesPerSecond ?? 0);
                break;
            case "epoch-finished" when e is { Metrics: { } metrics, Epochs: { } epochs }:
                observer.EpochFinished(metrics, epochs);
                break;
            case "info" when e.Message is { } message:
                observer.Info(message);
                break;
        }
    }

    private static void Close(StreamWriter input, object gate)
    {
        lock (gate)
        {
            try
            {
                input.Close();
            }
            catch (IOException)
            {
                // The child has ended already.
            }
        }
    }
}
