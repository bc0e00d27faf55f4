namespace LossLab.Experiments;

/// <summary>
/// Runs an experiment plan, or one shard of it, through an <see cref="ExperimentRunner"/>. A comparison or a grid
/// simply runs its slice. A coordinate search runs its slice of each step; a shard then waits until the other
/// shards (sharing the experiment directory) have settled the rest of the step, since the next step depends on it.
/// </summary>
public static class ExperimentExecution
{
    /// <summary>Runs <paramref name="plan"/> (its shard <paramref name="shard"/>) in the runner's directory.</summary>
    /// <param name="runner">Trains the runs; its directory is the experiment directory.</param>
    /// <param name="plan">The experiment; saved as (or checked against) the directory's <c>plan.json</c>.</param>
    /// <param name="shard">The slice to run; <see cref="Shard.All"/> for everything.</param>
    /// <param name="waitTimeout">How long a shard waits for the other shards' runs of a search step.</param>
    /// <param name="poll">How often it looks.</param>
    /// <param name="cancel">Stops after the current batch (checkpointed).</param>
    /// <exception cref="ArgumentException">The directory holds a different experiment, or a run folder other options.</exception>
    public static ExperimentOutcome Run(ExperimentRunner runner, ExperimentPlan plan, Shard shard, TimeSpan waitTimeout, TimeSpan poll, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(plan);
        var given = plan.Runs.ToDictionary(r => r.Id, StringComparer.Ordinal);
        plan = ExperimentPlan.Open(runner.Directory, plan);
        if (plan.Kind != ExperimentKind.Sweep)
        {
            // plan.json keeps the runs as first saved; where and how they execute (threads, data folder, device) is
            // this invocation's, as for a sweep, whose runs are made from the given base options.
            var runs = plan.Runs.Select(r => given.GetValueOrDefault(r.Id, r)).ToArray();
            var progress = runner.Run(shard.Select(runs), cancel);
            var complete = plan.Runs.All(r => runner.StatusOf(r.Id).IsSettled);
            return new ExperimentOutcome(plan, progress, null, complete, false);
        }

        var sweep = new Sweep(plan.Base, plan.Sweep!);
        var total = new ExperimentProgress([], [], [], [], false, 0);
        while (true)
        {
            var state = sweep.Replay(runner.StatusOf);
            plan = ExperimentPlan.Open(runner.Directory, plan with { Runs = state.Known });
            if (state.Finished)
            {
                return new ExperimentOutcome(plan, total, state, true, false);
            }

            // The runner skips (and reports) the settled runs of this slice and trains the rest.
            var progress = runner.Run(shard.Select(state.StepRuns), cancel);
            total = Add(total, progress);
            if (progress.Interrupted)
            {
                return new ExperimentOutcome(plan, total, state, false, false);
            }

            // The rest of the step belongs to other shards (or to another process holding a run's lock).
            if (!runner.WaitFor(state.StepRuns, waitTimeout, poll, cancel))
            {
                var interrupted = cancel.IsCancellationRequested;
                return new ExperimentOutcome(plan, total with { Interrupted = interrupted }, state, false, !interrupted);
            }
        }
    }

    private static ExperimentProgress Add(ExperimentProgress a, ExperimentProgress b) => new(
        [.. a.Trained, .. b.Trained],
        [.. a.Resumed, .. b.Resumed],
        [.. a.Skipped, .. b.Skipped],
        [.. a.Failed, .. b.Failed],
        a.Interrupted || b.Interrupted,
        a.Seconds + b.Seconds);
}
