using System.Globalization;
using System.Text;
using LossLab.Evaluation;
using LossLab.Experiments;
using LossLab.Training;

namespace LossLab.Cli.Jobs;

/// <summary>
/// Progress of runs that train at once, on standard error, readable in a terminal and in a log file alike: whole lines
/// only (the runner's line per run start and end, and each run's epoch lines, prefixed with the run id) and a short
/// status of the runs in flight, e.g. <c>[2 running, 5 finished: loss=margin_seed=1 epoch 2/3 62%, loss=npair_seed=1 epoch 1/3 10%]</c>.
/// In a terminal the status is a live last line, redrawn twice a second below the other lines; otherwise it is
/// written as a line of its own every <c>interval</c>.
/// </summary>
public sealed class StatusBoard : IDisposable
{
    private readonly TextWriter writer;
    private readonly bool interactive;
    private readonly object gate = new();
    private readonly List<Entry> running = [];
    private readonly Timer timer;
    private int finished;
    private int shownLength;
    private bool disposed;

    /// <summary>Creates the board.</summary>
    /// <param name="writer">Where it writes (standard error).</param>
    /// <param name="interactive">Whether <paramref name="writer"/> is a terminal: a live status line rather than periodic status lines.</param>
    /// <param name="interval">How often the status is written when not interactive.</param>
    public StatusBoard(TextWriter writer, bool interactive, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        this.writer = writer;
        this.interactive = interactive;
        Log = new LineWriter(this);
        var period = interactive ? TimeSpan.FromMilliseconds(500) : interval;
        timer = new Timer(_ => Tick(), null, period, period);
    }

    /// <summary>Writes whole lines above the live status (give it to the runner as its log).</summary>
    public TextWriter Log { get; }

    /// <summary>The status of the runs in flight, or null when none is.</summary>
    public string? Status
    {
        get
        {
            lock (gate)
            {
                if (running.Count == 0)
                {
                    return null;
                }

                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"[{running.Count} running, {finished} finished: {string.Join(", ", running.Select(e => e.Describe()))}]");
            }
        }
    }

    /// <summary>The observer of a run that starts (the runner's observer factory); disposing it ends the run's entry.</summary>
    public ITrainingObserver Observe(RunSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var entry = new Entry(this, spec.Id);
        lock (gate)
        {
            running.Add(entry);
        }

        return entry;
    }

    /// <summary>Writes one line above the status.</summary>
    public void WriteLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        lock (gate)
        {
            Clear();
            writer.WriteLine(line);
            if (interactive)
            {
                Draw();
            }

            writer.Flush();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            timer.Dispose();
            Clear();
            writer.Flush();
        }
    }

    private void Tick()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            if (interactive)
            {
                Draw();
            }
            else if (Status is { } status)
            {
                writer.WriteLine(status);
            }

            writer.Flush();
        }
    }

    /// <summary>Redraws the live status line (terminal only), cut to the terminal's width so that it never wraps.</summary>
    private void Draw()
    {
        var status = Status ?? "";
        var width = Width();
        if (status.Length > width)
        {
            status = status[..Math.Max(0, width - 1)] + "…";
        }

        writer.Write('\r');
        writer.Write(status.PadRight(shownLength));
        if (shownLength > status.Length)
        {
            writer.Write('\r');
            writer.Write(status);
        }

        shownLength = status.Length;
    }

    private void Clear()
    {
        if (!interactive || shownLength == 0)
        {
            return;
        }

        writer.Write('\r');
        writer.Write(new string(' ', shownLength));
        writer.Write('\r');
        shownLength = 0;
    }

    private static int Width()
    {
        try
        {
            return Console.WindowWidth > 10 ? Console.WindowWidth - 1 : 119;
        }
        catch (IOException)
        {
            return 119;
        }
    }

    private void End(Entry entry)
    {
        lock (gate)
        {
            if (running.Remove(entry))
            {
                finished++;
            }
        }
    }

    /// <summary>One run in flight.</summary>
    private sealed class Entry(StatusBoard board, string id) : ITrainingObserver, IDisposable
    {
        private int epoch;
        private int epochs;
        private int batch;
        private int batches;

        public string Describe()
        {
            if (epoch == 0)
            {
                return $"{id} starting";
            }

            var where = string.Create(CultureInfo.InvariantCulture, $"{id} epoch {epoch}/{epochs}");
            return batches > 0 && batch == batches ? where + " evaluating" : string.Create(CultureInfo.InvariantCulture, $"{where} {100 * batch / Math.Max(1, batches)}%");
        }

        public void EpochStarted(int epoch, int epochs, int batches)
        {
            lock (board.gate)
            {
                (this.epoch, this.epochs, this.batches, batch) = (epoch, epochs, batches, 0);
            }
        }

        public void BatchFinished(int epoch, int batch, int batches, double meanLoss, double imagesPerSecond)
        {
            lock (board.gate)
            {
                (this.epoch, this.batch, this.batches) = (epoch, batch, batches);
            }
        }

        public void EpochFinished(EpochMetrics metrics, int epochs) => board.WriteLine($"  {id}: {ConsoleProgress.EpochLine(metrics, epochs)}");

        public void Info(string message) => board.WriteLine($"  {id}: {message}");

        public void Dispose() => board.End(this);
    }

    /// <summary>A writer that hands the board whole lines.</summary>
    private sealed class LineWriter(StatusBoard board) : TextWriter
    {
        private readonly StringBuilder pending = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (pending)
            {
                if (value == '\n')
                {
                    var line = pending.ToString().TrimEnd('\r');
                    pending.Clear();
                    board.WriteLine(line);
                }
                else
                {
                    pending.Append(value);
                }
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "")
            {
                Write(c);
            }
        }
    }
}
