using System.Runtime.ExceptionServices;

namespace LossLab.Metrics;

/// <summary>
/// Runs numbered work items on a few dedicated threads, the caller's among them. The metric
/// kernels use this rather than <see cref="Parallel"/>: an evaluation is often the only parallel
/// work of a CLI process, and there the first <c>Parallel.For</c> costs tens of milliseconds
/// (thread-pool start-up and the task machinery) where starting a thread costs a fraction of one.
/// </summary>
internal static class Workers
{
    /// <summary>
    /// Calls <paramref name="body"/>(item, state) for every item in [0, <paramref name="count"/>)
    /// on up to <paramref name="threads"/> threads; each thread takes the next item in ascending
    /// order and has its own state from <paramref name="create"/>. The first exception stops the
    /// remaining items and is rethrown once every thread has finished.
    /// </summary>
    public static void For<TState>(int count, int threads, Func<TState> create, Action<int, TState> body)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(body);
        var next = -1;
        ExceptionDispatchInfo? failure = null;

        void Work()
        {
            try
            {
                var state = create();
                int item;
                while (Volatile.Read(ref failure) is null && (item = Interlocked.Increment(ref next)) < count)
                {
                    body(item, state);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
            }
        }

        var helpers = new Thread[Math.Clamp(threads, 1, Math.Max(1, count)) - 1];
        for (var t = 0; t < helpers.Length; t++)
        {
            helpers[t] = new Thread(Work) { IsBackground = true, Name = "LossLab metrics" };
            helpers[t].Start();
        }

        Work();
        foreach (var helper in helpers)
        {
            helper.Join();
        }

        failure?.Throw();
    }

    /// <summary>Calls <paramref name="body"/>(item) for every item in [0, <paramref name="count"/>) on up to <paramref name="threads"/> threads.</summary>
    public static void For(int count, int threads, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        For(count, threads, static () => 0, (item, _) => body(item));
    }
}
