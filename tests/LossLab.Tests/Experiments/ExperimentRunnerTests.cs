using LossLab.Data;
using LossLab.Experiments;
using LossLab.Losses;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Tests.Experiments;

public sealed class ExperimentRunnerTests
{
    private static readonly TrainOptions Tiny = new()
    {
        LossOptions = new CrossEntropyLossOptions(),
        TrainLimit = 200,
        TestLimit = 100,
        Epochs = 1,
        Threads = 1,
        EmbeddingMetrics = false,
        BatchSize = 64,
    };

    [Fact]
    public void Should_SkipTheCompletedRunResumeTheUnfinishedOneAndTrainTheNewOne_When_RunAgain()
    {
        // Given an experiment of three runs: one completed, one interrupted with a checkpoint, one not started
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var threads = new TorchThreads(1);
        using var dirFolder = new TempFolder("runner");
        var dir = dirFolder.Path;
        var plan = ExperimentPlan.Compare(Tiny, [new CrossEntropyLossOptions()], 3);
        using (var runner = Runner(dir))
        {
            Assert.Equal([plan.Runs[0].Id], runner.Run([plan.Runs[0]], CancellationToken.None).Trained);
        }

        var completedSummary = File.ReadAllText(Path.Combine(dir, "runs", plan.Runs[0].Id, "summary.json"));
        using (var data = DatasetRegistry.Load("fashion-mnist", new DataOptions()))
        using (var cancelled = new CancellationTokenSource())
        {
            cancelled.Cancel();
            var run = new RunDirectory(ExperimentRunner.RunPathIn(dir, plan.Runs[1].Id));
            Assert.False(new Trainer(plan.Runs[1].Options, new SilentObserver()).Run(data, run, false, cancelled.Token).Completed);
        }

        var started = new List<string>();
        using var again = Runner(dir, started);
        var states = plan.Runs.Select(r => again.StatusOf(r.Id).State).ToArray();

        // When the whole plan runs
        var progress = again.Run(plan.Runs, CancellationToken.None);

        // Then only the missing work is done, each run trained after the program's hook saw it, and every run ends completed
        Assert.Equal([RunState.Completed, RunState.Unfinished, RunState.New], states);
        Assert.Equal([plan.Runs[1].Id, plan.Runs[2].Id], started);
        Assert.Equal([plan.Runs[0].Id], progress.Skipped);
        Assert.Equal([plan.Runs[1].Id], progress.Resumed);
        Assert.Equal([plan.Runs[2].Id], progress.Trained);
        Assert.Equal(completedSummary, File.ReadAllText(Path.Combine(dir, "runs", plan.Runs[0].Id, "summary.json")));
        Assert.All(plan.Runs, r => Assert.Equal(1, again.StatusOf(r.Id).Summary!.Epochs));
    }

    [Fact]
    public void Should_Refuse_When_ARunFolderHoldsOtherOptions()
    {
        // Given a run folder whose config has another learning rate than the spec
        using var dirFolder = new TempFolder("runner-other");
        var dir = dirFolder.Path;
        var spec = ExperimentPlan.Compare(Tiny, [new CrossEntropyLossOptions()], 1).Runs[0];
        var folder = new RunDirectory(ExperimentRunner.RunPathIn(dir, spec.Id));
        folder.WriteConfig(new RunConfig { Options = spec.Options with { LearningRate = 0.5 } });
        folder.WriteSummary(new RunSummary { Completed = true, Epochs = 1 });

        // When the runner reaches it
        using var runner = Runner(dir);
        var error = Assert.Throws<ArgumentException>(() => runner.Run([spec], CancellationToken.None));

        // Then it names the folder instead of mixing results
        Assert.Contains(spec.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains("other options", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_SkipAFailedRun_When_ItDivergedBefore()
    {
        // Given a run folder marked as diverged
        using var dirFolder = new TempFolder("runner-failed");
        var dir = dirFolder.Path;
        var spec = ExperimentPlan.Compare(Tiny, [new CrossEntropyLossOptions()], 1).Runs[0];
        var folder = new RunDirectory(ExperimentRunner.RunPathIn(dir, spec.Id));
        folder.WriteConfig(new RunConfig { Options = spec.Options });
        File.WriteAllText(Path.Combine(folder.Path, ExperimentRunner.FailedFileName), "non-finite loss at epoch 1, batch 3\n");

        // When the runner reaches it
        using var runner = Runner(dir);
        var progress = runner.Run([spec], CancellationToken.None);

        // Then it is settled and skipped, not trained again
        Assert.Equal(RunState.Failed, runner.StatusOf(spec.Id).State);
        Assert.Equal([spec.Id], progress.Skipped);
        Assert.Empty(progress.Trained);
    }

    private static ExperimentRunner Runner(string dir, List<string>? started = null) =>
        new(dir, TextWriter.Null, _ => new SilentObserver(), tensorBoard: false) { BeforeRun = spec => started?.Add(spec.Id) };
}
