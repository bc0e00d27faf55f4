using LossLab.Metrics;

namespace LossLab.Tests.Metrics;

public sealed class WorkersTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 37)]
    [InlineData(8, 3)]
    [InlineData(3, 0)]
    public void Should_RunEveryItemOnce_When_ThreadsAndItemsVary(int threads, int count)
    {
        // Given a counter per item and a count of the states created
        var runs = new int[count];
        var states = 0;

        // When the items run
        Workers.For(count, threads, () => Interlocked.Increment(ref states), (item, _) => Interlocked.Increment(ref runs[item]));

        // Then each ran exactly once, with at most one state per thread
        Assert.All(runs, r => Assert.Equal(1, r));
        Assert.InRange(states, 1, Math.Max(1, Math.Min(threads, count)));
    }

    [Fact]
    public void Should_RunEveryItemOnce_When_CallersShareTheHelpers()
    {
        // Given four callers, each with its own items, started together
        var runs = Enumerable.Range(0, 4).Select(_ => new int[500]).ToArray();

        // When each runs many short calls on two threads at the same time as the others
        var callers = runs.Select(counts => new Thread(() =>
        {
            for (var call = 0; call < 50; call++)
            {
                Workers.For(counts.Length, 2, item => Interlocked.Increment(ref counts[item]));
            }
        })).ToArray();
        foreach (var caller in callers)
        {
            caller.Start();
        }

        foreach (var caller in callers)
        {
            caller.Join();
        }

        // Then every item of every caller ran once per call
        Assert.All(runs, counts => Assert.All(counts, c => Assert.Equal(50, c)));
    }

    [Fact]
    public void Should_RunEveryItemOnce_When_CallsEndBeforeTheHelperStarts()
    {
        // Given calls of two trivial items, which the caller usually finishes before a helper wakes
        var counts = new int[2];

        // When thousands of them run one after another on two threads
        for (var call = 0; call < 5000; call++)
        {
            Workers.For(counts.Length, 2, item => Interlocked.Increment(ref counts[item]));
        }

        // Then every item ran once per call
        Assert.All(counts, c => Assert.Equal(5000, c));
    }

    [Fact]
    public void Should_RethrowTheFailure_When_AnItemThrows()
    {
        // Given items of which one throws
        // When they run on two threads
        var error = Assert.Throws<InvalidOperationException>(() => Workers.For(100, 2, item =>
        {
            if (item == 42)
            {
                throw new InvalidOperationException("item 42");
            }
        }));

        // Then the caller sees that exception
        Assert.Equal("item 42", error.Message);
    }
}
