using System.Collections.Concurrent;
using TorchSharp;

namespace LossLab.Training;

/// <summary>
/// Produces items on a background thread, at most <c>depth</c> ahead of the consumer, so preparing
/// batch i+1 overlaps training on batch i. Items come out in order; a producer error surfaces to the consumer.
/// </summary>
/// <remarks>
/// With <c>oneTorchThread</c>, libtorch calls on the producer thread run on one intra-op thread: the consumer's
/// parallel regions already occupy every core, and a second OpenMP team for the producer's small gathers would only
/// oversubscribe them (each team's threads then wait for descheduled peers). libtorch keeps the thread count per
/// thread, so the consumer keeps its own; but setting it also sets the process-wide count that threads starting
/// meanwhile begin with (restored when the producer ends), so it is done only when the host allowed it
/// (<see cref="Hosting.ProcessSettings.SingleThreadedPrefetch"/>).
/// </remarks>
/// <typeparam name="T">Item type; the consumer owns (and disposes) what it takes.</typeparam>
public sealed class Prefetcher<T> : IDisposable
    where T : IDisposable
{
    private readonly BlockingCollection<T> queue;
    private readonly CancellationTokenSource stop = new();
    private readonly ManualResetEventSlim finished = new();
    private readonly ProducerThread? ownThread;
    private Exception? failure;

    /// <summary>Starts producing <paramref name="count"/> items with <paramref name="produce"/>(index), from <paramref name="start"/>.</summary>
    /// <param name="start">First index.</param>
    /// <param name="count">End index (exclusive).</param>
    /// <param name="produce">Makes the item of an index.</param>
    /// <param name="depth">Items prepared ahead of the consumer.</param>
    /// <param name="producer">The thread to produce on (it runs this prefetcher's items after earlier jobs);
    /// null starts a thread of this prefetcher's own, which ends with it.</param>
    /// <param name="oneTorchThread">Run libtorch on one thread while producing (see the remarks); default false leaves
    /// the producer thread's count as libtorch sets it.</param>
    public Prefetcher(int start, int count, Func<int, T> produce, int depth = 2, ProducerThread? producer = null, bool oneTorchThread = false)
    {
        ArgumentNullException.ThrowIfNull(produce);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        queue = new BlockingCollection<T>(depth);
        if (producer is null)
        {
            ownThread = new ProducerThread("losslab-prefetch");
            producer = ownThread;
        }

        producer.Post(() =>
        {
            var threads = oneTorchThread ? torch.get_num_threads() : 0;
            if (oneTorchThread)
            {
                torch.set_num_threads(1);
            }

            try
            {
                for (var i = start; i < count && !stop.IsCancellationRequested; i++)
                {
                    var item = produce(i);
                    try
                    {
                        queue.Add(item, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        item.Dispose();
                        return;
                    }
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            finally
            {
                if (oneTorchThread)
                {
                    torch.set_num_threads(threads);
                }

                queue.CompleteAdding();
                finished.Set();
            }
        });
    }

    /// <summary>Takes the next item in order; throws the producer's error if it failed.</summary>
    /// <exception cref="InvalidOperationException">No items are left.</exception>
    public T Take()
    {
        if (queue.TryTake(out var item, Timeout.Infinite))
        {
            return item;
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"preparing a batch failed: {failure.Message}", failure);
        }

        throw new InvalidOperationException("no more batches");
    }

    /// <summary>Stops the producer and disposes items not taken.</summary>
    public void Dispose()
    {
        stop.Cancel();
        while (queue.TryTake(out var item))
        {
            item.Dispose();
        }

        finished.Wait();
        while (queue.TryTake(out var item))
        {
            item.Dispose();
        }

        ownThread?.Dispose();
        queue.Dispose();
        stop.Dispose();
        finished.Dispose();
    }
}
