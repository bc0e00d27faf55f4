using System.Diagnostics;
using System.Globalization;
using LossLab.Evaluation;
using LossLab.Training;

namespace LossLab.Cli;

/// <summary>
/// Progress on standard error: a live bar with loss, throughput and ETA on a terminal, plain lines
/// (about every 10% of an epoch) when the output is redirected.
/// </summary>
public sealed class ConsoleProgress : ITrainingObserver
{
    private readonly TextWriter writer;
    private readonly bool interactive;
    private readonly Stopwatch sinceDraw = Stopwatch.StartNew();
    private readonly Stopwatch epochWatch = new();
    private int lastDecile = -1;

    /// <summary>Writes to standard error; live bar only when it is a terminal.</summary>
    public ConsoleProgress()
        : this(Console.Error, !Console.IsErrorRedirected)
    {
    }

    /// <summary>Writes to <paramref name="writer"/>.</summary>
    public ConsoleProgress(TextWriter writer, bool interactive)
    {
        this.writer = writer;
        this.interactive = interactive;
    }

    /// <inheritdoc />
    public void EpochStarted(int epoch, int epochs, int batches)
    {
        lastDecile = -1;
        epochWatch.Restart();
        if (!interactive)
        {
            writer.WriteLine(FormattableString.Invariant($"epoch {epoch}/{epochs}: {batches} batches"));
        }
    }

    /// <inheritdoc />
    public void BatchFinished(int epoch, int batch, int batches, double meanLoss, double imagesPerSecond)
    {
        var fraction = (double)batch / batches;
        var elapsed = epochWatch.Elapsed.TotalSeconds;
        var eta = fraction > 0 ? TimeSpan.FromSeconds(elapsed * (1 - fraction) / fraction) : TimeSpan.Zero;
        if (interactive)
        {
            if (batch != batches && sinceDraw.ElapsedMilliseconds < 100)
            {
                return;
            }

            sinceDraw.Restart();
            const int Width = 28;
            var filled = (int)Math.Round(fraction * Width);
            var bar = new string('█', filled) + new string('░', Width - filled);
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"\r epoch {epoch} {bar} {batch}/{batches} loss {meanLoss:F4} {imagesPerSecond:F0} img/s ETA {eta:mm\\:ss}  "));
            if (batch == batches)
            {
                writer.Write('\r');
                writer.Write(new string(' ', 100));
                writer.Write('\r');
            }

            writer.Flush();
            return;
        }

        var decile = (int)(fraction * 10);
        if (decile > lastDecile && (decile > 0 || batch == batches))
        {
            lastDecile = decile;
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  epoch {epoch} batch {batch}/{batches} loss {meanLoss:F4} {imagesPerSecond:F0} img/s eta {eta:mm\\:ss}"));
        }
    }

    /// <inheritdoc />
    public void EpochFinished(EpochMetrics metrics, int epochs) => writer.WriteLine(EpochLine(metrics, epochs));

    /// <summary>
    /// The line that reports a finished epoch: loss, accuracy, F1, NMI, ECE ("n/a" for a loss that serves no
    /// probabilities), embedding metrics when computed, throughput and times.
    /// </summary>
    public static string EpochLine(EpochMetrics metrics, int epochs)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"epoch {metrics.Epoch}/{epochs}  loss {metrics.TrainLoss:F4}  acc {metrics.Accuracy:F4}  f1 {metrics.F1Macro:F4}  nmi {metrics.Nmi:F4}  ece {(metrics.Ece is { } ece ? ece.ToString("F4", CultureInfo.InvariantCulture) : "n/a")}");
        if (metrics.RecallAt1 is { } r1)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"  kmeans-nmi {metrics.KmeansNmi:F4}  R@1 {r1:F4}");
        }

        return line + string.Create(CultureInfo.InvariantCulture, $"  ({metrics.TrainImgPerS:F0} img/s, train {metrics.TrainSeconds:F1}s, eval {metrics.EvalSeconds:F1}s)");
    }

    /// <inheritdoc />
    public void Info(string message) => writer.WriteLine(message);
}
