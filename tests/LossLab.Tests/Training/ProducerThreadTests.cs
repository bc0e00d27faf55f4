using LossLab.Training;

namespace LossLab.Tests.Training;

public sealed class ProducerThreadTests
{
    [Fact]
    public void Should_ProduceOnTheSameThread_When_PrefetchersFollowOneAnother()
    {
        // Given one producer thread shared by successive prefetchers (one per epoch)
        using var producer = new ProducerThread("test-producer");
        var threads = new List<int>();

        // When three prefetchers each produce two items recording the producing thread
        for (var epoch = 0; epoch < 3; epoch++)
        {
            using var prefetch = new Prefetcher<Produced>(0, 2, i => new Produced(Environment.CurrentManagedThreadId, i), producer: producer);
            var first = prefetch.Take();
            var second = prefetch.Take();
            Assert.Equal((0, 1), (first.Index, second.Index));
            threads.Add(first.Thread);
            threads.Add(second.Thread);
        }

        // Then every item came from the one producer thread, which is not the consumer's
        Assert.Single(threads.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);
    }

    [Fact]
    public void Should_ContinueWithTheNextPrefetcher_When_OneIsDisposedBeforeItsItemsAreTaken()
    {
        // Given a shared producer and a prefetcher abandoned after one of its ten items
        using var producer = new ProducerThread("test-producer");
        using (var abandoned = new Prefetcher<Produced>(0, 10, i => new Produced(0, i), producer: producer))
        {
            Assert.Equal(0, abandoned.Take().Index);
        }

        // When the next prefetcher starts on the same producer
        using var next = new Prefetcher<Produced>(5, 7, i => new Produced(0, i), producer: producer);

        // Then it produces its own items, in order
        Assert.Equal(5, next.Take().Index);
        Assert.Equal(6, next.Take().Index);
    }

    [Fact]
    public void Should_RefuseNewJobs_When_Disposed()
    {
        // Given a disposed producer
        var producer = new ProducerThread("test-producer");
        producer.Dispose();

        // When a job is posted, Then it is refused
        Assert.Throws<ObjectDisposedException>(() => producer.Post(() => { }));
        producer.Dispose();
    }

    private sealed record Produced(int Thread, int Index) : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
