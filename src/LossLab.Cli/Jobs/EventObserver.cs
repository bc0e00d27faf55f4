using System.Diagnostics;
using System.Text.Json;
using LossLab.Evaluation;
using LossLab.Experiments;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Cli.Jobs;

/// <summary>
/// The child side of a run trained for another <c>losslab</c> process: writes each progress call as a
/// <see cref="RunEvent"/> line (batches at most every quarter second), then the run's outcome.
/// </summary>
public sealed class EventObserver : ITrainingObserver
{
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(250);
    private readonly TextWriter writer;
    private readonly object gate = new();
    private readonly Stopwatch sinceBatch = Stopwatch.StartNew();

    /// <summary>Writes to <paramref name="writer"/> (the child's standard output).</summary>
    public EventObserver(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        this.writer = writer;
    }

    /// <inheritdoc />
    public void EpochStarted(int epoch, int epochs, int batches) =>
        Write(new RunEvent { Kind = "epoch-started", Epoch = epoch, Epochs = epochs, Batches = batches });

    /// <inheritdoc />
    public void BatchFinished(int epoch, int batch, int batches, double meanLoss, double imagesPerSecond)
    {
        if (batch != batches && sinceBatch.Elapsed < BatchInterval)
        {
            return;
        }

        sinceBatch.Restart();
        Write(new RunEvent { Kind = "batch", Epoch = epoch, Batch = batch, Batches = batches, Loss = meanLoss, ImagesPerSecond = imagesPerSecond });
    }

    /// <inheritdoc />
    public void EpochFinished(EpochMetrics metrics, int epochs) =>
        Write(new RunEvent { Kind = "epoch-finished", Epochs = epochs, Metrics = metrics });

    /// <inheritdoc />
    public void Info(string message) => Write(new RunEvent { Kind = "info", Message = message });

    /// <summary>The run ended so.</summary>
    public void Finished(RunOutcome outcome) => Write(new RunEvent { Kind = "outcome", Outcome = outcome });

    private void Write(RunEvent e)
    {
        var line = JsonSerializer.Serialize(e, JsonDefaults.Compact);
        lock (gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
