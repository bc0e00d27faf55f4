using System.Runtime.ExceptionServices;

namespace LossLab.Metrics;

/// <summary>
/// Runs numbered work items on the caller's thread and a few helper threads that are started
/// once and then wait for work. The metric kernels use this rather than <see cref="Parallel"/>:
/// an evaluation is often the only parallel work of a CLI process, and there the first
/// <c>Parallel.For</c> costs tens of milliseconds (thread-pool start-up, task machinery), while
/// k-means runs dozens of parallel phases of about a millisecond each, so handing a phase to a
/// waiting thread (microseconds) rather than starting one (a fraction of a millisecond) matters.
/// </summary>
internal static class Workers
{
    private static readonly object Gate = new();
    private static readonly List<Helper> Helpers = [];

    /// <summary>
    /// Calls <paramref name="body"/>(item, state) for every item in [0, <paramref name="count"/>)
    /// on up to <paramref name="threads"/> threads (fewer while another caller has the helpers);
    /// each thread takes the next item in ascending order and has its own state from
    /// <paramref name="create"/>. The first exception stops the remaining items and is rethrown
    /// once every thread has finished.
    /// </summary>
    public static void For<TState>(int count, int threads, Func<TState> create, Action<int, TState> body)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(body);
        var job = new Job<TState>(count, create, body);
        var enlisted = Enlist(Math.Clamp(threads, 1, Math.Max(1, count)) - 1);
        foreach (var helper in enlisted)
        {
            helper.Start(job.Work);
        }

        job.Work();
        foreach (var helper in enlisted)
        {
            helper.Finish();
        }

        job.Rethrow();
    }

    /// <summary>Calls <paramref name="body"/>(item) for every item in [0, <paramref name="count"/>) on up to <paramref name="threads"/> threads.</summary>
    public static void For(int count, int threads, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        For(count, threads, static () => 0, (item, _) => body(item));
    }

    // Up to `wanted` idle helpers, starting new ones while there are fewer than wanted in all.
    private static List<Helper> Enlist(int wanted)
    {
        var enlisted = new List<Helper>(wanted);
        if (wanted == 0)
        {
            return enlisted;
        }

        lock (Gate)
        {
            foreach (var helper in Helpers)
            {
                if (enlisted.Count < wanted && !helper.Busy)
                {
                    helper.Busy = true;
                    enlisted.Add(helper);
                }
            }

            while (enlisted.Count < wanted && Helpers.Count < wanted)
            {
                var helper = new Helper { Busy = true };
                Helpers.Add(helper);
                enlisted.Add(helper);
            }
        }

        return enlisted;
    }

    // The items of one call: a shared counter and the first failure.
    private sealed class Job<TState>(int count, Func<TState> create, Action<int, TState> body)
    {
        private int next = -1;
        private ExceptionDispatchInfo? failure;

        public void Work()
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

        public void Rethrow() => failure?.Throw();
    }

    // A background thread that runs one piece of work each time it is started. A start it has
    // not picked up yet can be revoked: on a busy machine the thread may not be scheduled before
    // the caller has taken every item itself, and the caller should not then wait for it.
    private sealed class Helper
    {
        private const int Idle = 0;
        private const int Assigned = 1;
        private const int Running = 2;
        private const int Revoked = 3;

        private readonly SemaphoreSlim start = new(0);
        private readonly SemaphoreSlim finished = new(0);
        private Action? work;
        private int state;

        public Helper()
        {
            new Thread(Loop) { IsBackground = true, Name = "LossLab metrics" }.Start();
        }

        // Enlisted and not yet returned to the idle ones; guarded by Gate.
        public bool Busy { get; set; }

        public void Start(Action work)
        {
            this.work = work;
            Volatile.Write(ref state, Assigned);
            start.Release();
        }

        // Revokes the work if it has not started (the helper then returns itself to the idle ones
        // when it wakes), else waits for it to end and returns the helper to the idle ones.
        public void Finish()
        {
            if (Interlocked.CompareExchange(ref state, Revoked, Assigned) == Assigned)
            {
                return;
            }

            finished.Wait();
            lock (Gate)
            {
                Busy = false;
            }
        }

        private void Loop()
        {
            while (true)
            {
                start.Wait();
                if (Interlocked.CompareExchange(ref state, Running, Assigned) == Assigned)
                {
                    work!();
                    work = null;
                    Volatile.Write(ref state, Idle);
                    finished.Release();
                }
                else
                {
                    work = null;
                    Volatile.Write(ref state, Idle);
                    lock (Gate)
                    {
                        Busy = false;
                    }
                }
            }
        }
    }
}
