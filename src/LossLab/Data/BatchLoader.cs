using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// Yields the batches of one pass (an epoch, or an evaluation) while a background thread prepares the next
/// ones (gather from the uint8 split, move to the device, <see cref="BatchTransform"/>), at most two ahead.
/// Every <see cref="DataBatch"/> yielded belongs to the consumer, who disposes it; batches prepared but not
/// consumed (the loop ended early) are disposed by the loader. An exception on the background thread is
/// rethrown to the consumer at the batch where it happened.
/// </summary>
public sealed class BatchLoader : IEnumerable<DataBatch>
{
    private const int Prefetch = 2;

    private readonly DatasetSplit _split;
    private readonly IReadOnlyList<int[]> _batches;
    private readonly BatchTransform _transform;
    private readonly Device _device;
    private readonly int _seed;

    /// <summary>Creates the loader.</summary>
    /// <param name="split">Split to draw from (stays on the CPU).</param>
    /// <param name="batches">Sample indices of each batch, in order (<see cref="EpochOrder"/>, <see cref="PkBatchSampler"/>).</param>
    /// <param name="transform">Augmentation and normalisation.</param>
    /// <param name="device">Device of the yielded tensors; default the CPU.</param>
    /// <param name="seed">
    /// Seed of the augmentation's randomness, drawn batch after batch on one thread so that a pass is reproducible;
    /// pass <see cref="EpochOrder.EpochSeed"/>(seed, epoch) to vary it per epoch.
    /// </param>
    public BatchLoader(DatasetSplit split, IReadOnlyList<int[]> batches, BatchTransform transform, Device? device = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(transform);
        _split = split;
        _batches = batches;
        _transform = transform;
        _device = device ?? torch.CPU;
        _seed = seed;
    }

    /// <summary>Number of batches of one pass.</summary>
    public int Count => _batches.Count;

    /// <summary>Starts a pass: a background thread begins preparing batches; disposing the enumerator stops it.</summary>
    public IEnumerator<DataBatch> GetEnumerator()
    {
        var queue = new BlockingCollection<(DataBatch? Batch, ExceptionDispatchInfo? Error)>(Prefetch);
        var stop = new CancellationTokenSource();
        var producer = Task.Factory.StartNew(() => Produce(queue, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var (batch, error) in queue.GetConsumingEnumerable())
            {
                error?.Throw();
                yield return batch!;
            }
        }
        finally
        {
            stop.Cancel();
            producer.Wait();
            while (queue.TryTake(out var left))
            {
                left.Batch?.Dispose();
            }

            queue.Dispose();
            stop.Dispose();
        }
    }

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void Produce(BlockingCollection<(DataBatch? Batch, ExceptionDispatchInfo? Error)> queue, CancellationToken stop)
    {
        try
        {
            var random = new Random(_seed);
            foreach (var indices in _batches)
            {
                stop.ThrowIfCancellationRequested();
                var batch = Prepare(indices, random);
                try
                {
                    queue.Add((batch, null), stop);
                }
                catch (OperationCanceledException)
                {
                    batch.Dispose();
                    throw;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The consumer stopped early.
        }
        catch (Exception e)
        {
            try
            {
                queue.Add((null, ExceptionDispatchInfo.Capture(e)), stop);
            }
            catch (OperationCanceledException)
            {
                // The consumer stopped early and will not see the error.
            }
        }
        finally
        {
            queue.CompleteAdding();
        }
    }

    private DataBatch Prepare(int[] indices, Random random)
    {
        using var scope = torch.NewDisposeScope();
        var index = torch.tensor(Array.ConvertAll(indices, i => (long)i), ScalarType.Int64);
        var images = _split.Images.index_select(0, index);
        var labels = _split.Labels.index_select(0, index);
        if (_device.type != DeviceType.CPU)
        {
            // Move uint8 pixels, four times smaller than the float input they become.
            images = images.to(_device);
            labels = labels.to(_device);
        }

        var input = _transform.Apply(images, random);
        return new DataBatch(input.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), indices);
    }
}
