using System.CommandLine;
using System.Text.Json;
using LossLab.Cli.Jobs;
using LossLab.Experiments;
using LossLab.Hosting;
using LossLab.Runs;

namespace LossLab.Cli.Commands;

/// <summary>
/// <c>losslab job DIR</c> (hidden): trains one run of the experiment in DIR for a parent <c>losslab</c> process that
/// runs several at once (<see cref="ChildRunLauncher"/>). The run (<see cref="RunRequest"/>) is the first line of
/// standard input; the end of standard input stops it after its batch with a checkpoint, as Ctrl-C or SIGTERM do.
/// Progress and the outcome go to standard output (<see cref="RunEvent"/>), messages to standard error. Exit codes
/// as <c>losslab train</c>: 0 trained or skipped, 4 diverged (marked failed), 130 interrupted, 2 bad input.
/// </summary>
public static class JobCommand
{
    /// <summary>The command's name.</summary>
    public const string Name = "job";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var directory = new Argument<string>("experiment") { Description = "Experiment directory" };
        var command = new Command(Name, "Train one run of an experiment for another losslab process (internal: the run comes on standard input)")
        {
            Hidden = true,
        };
        command.Arguments.Add(directory);
        command.SetAction(parse => ErrorHandling.Run(() => Run(parse.GetValue(directory)!)));
        return command;
    }

    private static int Run(string directory)
    {
        var input = new StreamReader(Console.OpenStandardInput());
        var line = input.ReadLine() ?? throw new ArgumentException("job: no run on standard input (this command is started by losslab --jobs)", "experiment");
        RunRequest request;
        try
        {
            request = JsonSerializer.Deserialize<RunRequest>(line, JsonDefaults.Compact) ?? throw new JsonException("empty request");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"job: the run on standard input is not valid ({e.Message})", "experiment", e);
        }

        ArgumentNullException.ThrowIfNull(request.Spec, "experiment");
        request.Spec.Options.Validate();
        using var signals = new InterruptSignals();
        var stop = CancellationTokenSource.CreateLinkedTokenSource(signals.Token);
        var watcher = new Thread(() => WatchInput(input, stop)) { IsBackground = true, Name = "losslab stdin watcher" };
        watcher.Start();
        var events = new EventObserver(Console.Out);
        using var runner = new ExperimentRunner(directory, Console.Error, _ => events, request.TensorBoard)
        {
            CommandLine = request.CommandLine,
            BeforeRun = spec => ProcessSettings.ApplyThreads(spec.Options.Threads),
        };
        var outcome = runner.TrainHere(request.Spec, stop.Token);
        events.Finished(outcome);
        return outcome.Kind switch
        {
            RunOutcomeKind.Failed => ExitCodes.Diverged,
            RunOutcomeKind.Interrupted => ExitCodes.Interrupted,
            _ => ExitCodes.Ok,
        };
    }

    /// <summary>The parent closes standard input to stop the run; so does the kernel when the parent dies, however it dies.</summary>
    private static void WatchInput(StreamReader input, CancellationTokenSource stop)
    {
        try
        {
            while (input.ReadLine() is not null)
            {
            }
        }
        catch (IOException)
        {
            // Unreadable is as good as closed.
        }

        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run has ended.
        }
    }
}
