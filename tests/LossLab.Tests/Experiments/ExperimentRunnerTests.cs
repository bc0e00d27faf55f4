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

    [Fact]
    public void Should_LaunchTheUnsettledRunsAtMostJobsAtOnce_When_GivenALauncher()
    {
        // Given five runs, the first completed earlier, and a launcher whose launches wait for a partner, so that two
        // runs are in flight together or the launch times out
        using var dirFolder = new TempFolder("runner-jobs");
        var dir = dirFolder.Path;
        var plan = ExperimentPlan.Compare(Tiny, [new CrossEntropyLossOptions()], 5);
        var done = new RunDirectory(ExperimentRunner.RunPathIn(dir, plan.Runs[0].Id));
        done.WriteConfig(new RunConfig { Options = plan.Runs[0].Options });
        done.WriteSummary(new RunSummary { Completed = true, Epochs = 1 });
        using var pairs = new Barrier(2);
        var paired = new List<bool>();
        var launcher = new ScriptedLauncher
        {
            Answer = (_, _) =>
            {
                var met = pairs.SignalAndWait(TimeSpan.FromSeconds(30));
                lock (paired)
                {
                    paired.Add(met);
                }

                return new RunOutcome(RunOutcomeKind.Trained, new RunSummary { Completed = true, Epochs = 1 });
            },
        };
        var aliveBefore = CountingObserver.Alive;
        using var runner = new ExperimentRunner(dir, TextWriter.Null, _ => new CountingObserver(), tensorBoard: false) { Launcher = launcher, Jobs = 2 };

        // When the plan runs
        var progress = runner.Run(plan.Runs, CancellationToken.None);

        // Then the four others were launched in pairs, never more than two at once, each with an observer disposed
        // at its end, and the settled run was skipped without a launch
        Assert.Equal(plan.Runs.Skip(1).Select(r => r.Id), launcher.Launched.Select(r => r.Id).Order());
        Assert.Equal([true, true, true, true], paired);
        Assert.Equal(2, launcher.MostAtOnce);
        Assert.Equal(aliveBefore, CountingObserver.Alive);
        Assert.Equal(plan.Runs.Skip(1).Select(r => r.Id), progress.Trained);
        Assert.Equal([plan.Runs[0].Id], progress.Skipped);
        Assert.False(progress.Interrupted);
    }

    [Fact]
    public void Should_StopTheRunsInFlightStartNoMoreAndRethrow_When_ALaunchFails()
    {
        // Given three runs, two at once: the first launch fails once the second is in flight, the second trains
        // until it is told to stop
        using var dirFolder = new TempFolder("runner-crash");
        var plan = ExperimentPlan.Compare(Tiny, [new CrossEntropyLossOptions()], 3);
        using var bothStarted = new Barrier(2);
        var secondStopped = false;
        var launcher = new ScriptedLauncher
        {
            Answer = (spec, cancel) =>
            {
                Assert.True(bothStarted.SignalAndWait(TimeSpan.FromSeconds(30)));
                if (spec.Id == plan.Runs[0].Id)
                {
                    throw new InvalidOperationException("the run's process crashed");
                }

                secondStopped = cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
                return new RunOutcome(RunOutcomeKind.Interrupted, new RunSummary { Epochs = 0 });
            },
        };
        using var runner = new ExperimentRunner(dirFolder.Path, TextWriter.Null, _ => new SilentObserver(), tensorBoard: false) { Launcher = launcher, Jobs = 2 };

        // When the plan runs
        var error = Assert.Throws<InvalidOperationException>(() => runner.Run(plan.Runs, CancellationToken.None));

        // Then the failure comes out after the other run was stopped, and the third never started
        Assert.Equal("the run's process crashed", error.Message);
        Assert.True(secondStopped);
        Assert.Equal(plan.Runs.Take(2).Select(r => r.Id), launcher.Launched.Select(r => r.Id).Order());
    }

    [Fact]
    public void Should_LaunchAResumedRunOnTheThreadCountItRecorded_When_TheSpecAsksForAnother()
    {
        // Given a run that started on 3 threads and has a checkpoint, and a new one, both now asked to train on 1
        using var dirFolder = new TempFolder("runner-threads");
        var dir = dirFolder.Path;
        var plan = ExperimentPlan.Compare(Tiny, [new CrossEntropyLossOptions()], 2);
        var started = new RunDirectory(ExperimentRunner.RunPathIn(dir, plan.Runs[0].Id));
        started.WriteConfig(new RunConfig { Options = plan.Runs[0].Options with { Threads = 3 }, ThreadsUsed = 3 });
        File.WriteAllBytes(started.LastCheckpointPath, [0]);
        var launcher = new ScriptedLauncher();
        using var runner = new ExperimentRunner(dir, TextWriter.Null, _ => new SilentObserver(), tensorBoard: false) { Launcher = launcher };

        // When the plan runs
        runner.Run(plan.Runs, CancellationToken.None);

        // Then the unfinished run resumes on its 3 threads (its metrics depend on them) and the new one gets 1
        Assert.Equal([3, 1], launcher.Launched.Select(r => r.Options.Threads));
    }

    [Fact]
    public void Should_Refuse_When_SeveralJobsWouldTrainInThisProcess()
    {
        // Given a runner asked for two jobs without a launcher
        using var dirFolder = new TempFolder("runner-nolauncher");
        var plan = ExperimentPlan.Compare(Tiny, [new CrossEntropyLossOptions()], 2);
        using var runner = new ExperimentRunner(dirFolder.Path, TextWriter.Null, _ => new SilentObserver(), tensorBoard: false) { Jobs = 2 };

        // When it runs
        var error = Assert.Throws<InvalidOperationException>(() => runner.Run(plan.Runs, CancellationToken.None));

        // Then it refuses before training anything: runs in one process share libtorch's generator and threads
        Assert.Contains("Launcher", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dirFolder.Path, "runs")));
    }

    private static ExperimentRunner Runner(string dir, List<string>? started = null) =>
        new(dir, TextWriter.Null, _ => new SilentObserver(), tensorBoard: false) { BeforeRun = spec => started?.Add(spec.Id) };
}
