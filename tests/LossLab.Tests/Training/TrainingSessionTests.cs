using LossLab.Data;
using LossLab.Losses;
using LossLab.Training;

namespace LossLab.Tests.Training;

public sealed class TrainingSessionTests
{
    [Fact]
    public void Should_TrainExactlyTheRequestedBatches_When_GivenARangeOfAnEpoch()
    {
        // Given a session on 64 Fashion-MNIST images in batches of 16
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var threads = new TorchThreads(1);
        using var data = DatasetRegistry.Load("fashion-mnist", new DataOptions());
        var options = new TrainOptions { Dataset = "fashion-mnist", LossOptions = new CrossEntropyLossOptions(), BatchSize = 16, TrainLimit = 64, TestLimit = 32, Threads = 1, Device = DeviceKind.Cpu };
        using var session = new TrainingSession(options, data, new SilentObserver());
        var batches = session.Batches(1);

        // When batches 1 and 2 (0-based) of epoch 1 are trained, continuing from batch 1
        var start = new EpochProgress(1, 0.5, 0, 0, 2.0);
        var progress = session.Train(1, batches, start, 3, CancellationToken.None);

        // Then two batches ran (32 images) and the progress continues the given one
        Assert.Equal(4, batches.Length);
        Assert.Equal(3, progress.BatchesDone);
        Assert.Equal(32, progress.Images);
        Assert.Equal(0, progress.Skipped);
        Assert.True(progress.LossSum > 0.5);
        Assert.True(progress.Seconds > 2.0);
    }

    [Fact]
    public void Should_StopBeforeTheFirstBatch_When_AlreadyCancelled()
    {
        // Given a session and a cancelled token
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var threads = new TorchThreads(1);
        using var data = DatasetRegistry.Load("fashion-mnist", new DataOptions());
        var options = new TrainOptions { Dataset = "fashion-mnist", LossOptions = new CrossEntropyLossOptions(), BatchSize = 16, TrainLimit = 64, Threads = 1, Device = DeviceKind.Cpu };
        using var session = new TrainingSession(options, data, new SilentObserver());
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        // When an epoch is trained
        var progress = session.Train(1, session.Batches(1), new EpochProgress(0, 0, 0, 0, 0), 4, cancel.Token);

        // Then no batch ran
        Assert.Equal(0, progress.BatchesDone);
        Assert.Equal(0, progress.Images);
    }
}
