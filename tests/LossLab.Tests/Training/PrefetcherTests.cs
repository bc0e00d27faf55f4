using LossLab.Training;
using TorchSharp;

namespace LossLab.Tests.Training;

public sealed class PrefetcherTests
{
    [Fact]
    public void Should_RunTheProducerOnOneTorchThread_When_PrefetchingWhileTheConsumerKeepsItsThreads()
    {
        // Given a consumer thread running libtorch on 3 threads
        using var threads = new TorchThreads(3);

        // When a prefetcher asked to use one libtorch thread produces items recording the producer's thread count
        int[] seen;
        using (var prefetch = new Prefetcher<Recorded>(0, 3, _ => new Recorded(torch.get_num_threads()), oneTorchThread: true))
        {
            seen = [prefetch.Take().Threads, prefetch.Take().Threads, prefetch.Take().Threads];
            Assert.Equal(3, torch.get_num_threads());
        }

        // Then the producer ran on one thread, the consumer kept 3, and new threads start from 3 again
        Assert.All(seen, count => Assert.Equal(1, count));
        Assert.Equal(3, OnNewThread(torch.get_num_threads));
    }

    [Fact]
    public void Should_LeaveTheProducersTorchThreads_When_NotAskedToUseOne()
    {
        // Given a consumer thread running libtorch on 3 threads, the count new threads start with
        using var threads = new TorchThreads(3);

        // When a prefetcher produces items recording the producer's thread count, without being asked to use one thread
        int[] seen;
        using (var prefetch = new Prefetcher<Recorded>(0, 3, _ => new Recorded(torch.get_num_threads())))
        {
            seen = [prefetch.Take().Threads, prefetch.Take().Threads, prefetch.Take().Threads];
        }

        // Then the producer ran with the count libtorch gives a new thread, and nothing changed it
        Assert.All(seen, count => Assert.Equal(3, count));
        Assert.Equal(3, torch.get_num_threads());
        Assert.Equal(3, OnNewThread(torch.get_num_threads));
    }

    private static int OnNewThread(Func<int> read)
    {
        var value = 0;
        var thread = new Thread(() => value = read());
        thread.Start();
        thread.Join();
        return value;
    }

    private sealed record Recorded(int Threads) : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
