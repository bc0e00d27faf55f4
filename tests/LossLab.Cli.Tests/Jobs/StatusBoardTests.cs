using LossLab.Cli.Jobs;
using LossLab.Experiments;
using LossLab.Training;

namespace LossLab.Cli.Tests.Jobs;

public sealed class StatusBoardTests
{
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);

    [Fact]
    public void Should_ListEachRunInFlightWithItsEpochAndShare_When_RunsTrainAtOnce()
    {
        // Given a board with two runs started, one in epoch 2 at batch 31 of 50, the other still loading
        using var text = new StringWriter();
        using var board = new StatusBoard(text, interactive: false, Never);
        var margin = board.Observe(Spec("loss=margin_seed=1"));
        var npair = board.Observe(Spec("loss=npair_seed=1"));
        margin.EpochStarted(2, 3, 50);
        margin.BatchFinished(2, 31, 50, 0.5, 100);
        var both = board.Status;

        // When the first ends, and then the second
        ((IDisposable)margin).Dispose();
        npair.EpochStarted(1, 3, 40);
        npair.BatchFinished(1, 40, 40, 0.5, 100);
        var one = board.Status;
        ((IDisposable)npair).Dispose();

        // Then the status names what is in flight, and nothing once all have ended
        Assert.Equal("[2 running, 0 finished: loss=margin_seed=1 epoch 2/3 62%, loss=npair_seed=1 starting]", both);
        Assert.Equal("[1 running, 1 finished: loss=npair_seed=1 epoch 1/3 evaluating]", one);
        Assert.Null(board.Status);
    }

    [Fact]
    public void Should_WriteWholeLinesPrefixedWithTheRun_When_NotATerminal()
    {
        // Given a board writing to a log file
        using var text = new StringWriter();
        using (var board = new StatusBoard(text, interactive: false, Never))
        {
            var run = board.Observe(Spec("loss=ce_seed=2"));

            // When the runner logs in pieces and the run reports information
            board.Log.Write("[1/2] loss=ce_seed=2: ");
            run.Info("resuming after epoch 1");
            board.Log.WriteLine("training on 1 thread");
        }

        // Then every line is whole, and no cursor control is written
        Assert.Equal("  loss=ce_seed=2: resuming after epoch 1\n[1/2] loss=ce_seed=2: training on 1 thread\n", text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_ClearTheLiveStatusBeforeALineAndDrawItAgain_When_ATerminal()
    {
        // Given a board on a terminal with one run in flight
        using var text = new StringWriter { NewLine = "\n" };
        string written;
        using (var board = new StatusBoard(text, interactive: true, Never))
        {
            var run = board.Observe(Spec("loss=ce_seed=1"));
            board.WriteLine("first");

            // When a second line comes, and the board ends
            board.WriteLine("second");
            ((IDisposable)run).Dispose();
            written = text.ToString();
        }

        // Then the status follows each line and is blanked out before the next, and nothing of it is left at the end
        var status = "[1 running, 0 finished: loss=ce_seed=1 starting]";
        Assert.Equal($"first\n\r{status}\r{new string(' ', status.Length)}\rsecond\n\r{status}", written);
        Assert.EndsWith($"\r{new string(' ', status.Length)}\r", text.ToString(), StringComparison.Ordinal);
    }

    private static RunSpec Spec(string id) => new(id, new TrainOptions());
}
