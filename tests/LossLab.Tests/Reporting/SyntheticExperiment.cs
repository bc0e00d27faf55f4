using LossLab.Evaluation;
using LossLab.Experiments;
using LossLab.Losses;
using LossLab.Metrics;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Tests.Reporting;

/// <summary>Experiment directories with realistic run files (config, per-epoch metrics, summary) written without training.</summary>
internal static class SyntheticExperiment
{
    public static TrainOptions Base { get; } = new() { TrainLimit = 2000, TestLimit = 1000, Epochs = 3, Threads = 2 };

    /// <summary>
    /// A comparison whose final F1 is <paramref name="final"/>(loss, seed) and whose curves rise towards it; NMI is F1 − 0.05.
    /// The training loss falls as 1 / epoch from a level that differs between seeds, and ProxyNCA's is negative and ten
    /// times larger (as the real one is), so that one shared axis would flatten the others.
    /// Runs whose index is not kept by <paramref name="keep"/> are left out (to imitate shards or unfinished experiments).
    /// </summary>
    public static ExperimentPlan WriteCompare(
        string dir, string[] losses, int seeds, Func<string, int, double> final, string? experiment = null, Func<int, bool>? keep = null, TrainOptions? options = null, string? preset = null)
    {
        var plan = ExperimentPlan.Compare(options ?? Base, losses.Select(l => LossRegistry.Find(l).Defaults).ToArray(), seeds) with { Experiment = experiment, Preset = preset };
        plan.Save(dir);
        for (var i = 0; i < plan.Runs.Count; i++)
        {
            if (keep is null || keep(i))
            {
                var run = plan.Runs[i];
                WriteRun(dir, run, final(run.Options.Loss, run.Options.Seed), recall: true);
            }
        }

        return plan;
    }

    /// <summary>Drives a sweep to its end, writing each requested run with final F1 = <paramref name="score"/>(beta, gamma).</summary>
    public static ExperimentPlan WriteSweep(string dir, SweepSpec spec, Func<double, double, double> score, string? experiment = null)
    {
        var plan = ExperimentPlan.ForSweep(Base with { LossOptions = new ImprovedLossOptions() }, spec) with { Experiment = experiment };
        var sweep = new Sweep(plan.Base, spec);
        SweepState state;
        while (!(state = sweep.Replay(id => ExperimentRunner.StatusAt(ExperimentRunner.RunPathIn(dir, id)))).Finished)
        {
            foreach (var run in state.Pending)
            {
                WriteRun(dir, run, score(((ImprovedLossOptions)run.Options.LossOptions).Beta, ((ImprovedLossOptions)run.Options.LossOptions).Gamma), recall: false);
            }
        }

        plan = plan with { Runs = state.Known };
        plan.Save(dir);
        return plan;
    }

    public static void WriteRun(string experimentDir, RunSpec spec, double finalF1, bool recall)
    {
        var run = new RunDirectory(ExperimentRunner.RunPathIn(experimentDir, spec.Id));
        var epochs = spec.Options.Epochs;
        // Losses with a classifier serve probabilities: ECE falls over the epochs, and the bins of the last 5 of 15
        // confidence bins hold 100 images each with an accuracy 0.1 below their confidence (so ECE = 0.1 in the bins).
        bool served;
        using (var loss = LossRegistry.Create(spec.Options.LossOptions, new LossContext(10, 8, Enumerable.Repeat(10L, 10).ToArray())))
        {
            served = loss.ServingScale is not null;
        }

        var history = Enumerable.Range(1, epochs).Select(e =>
        {
            var f1 = finalF1 * (1 - (0.3 * (epochs - e) / epochs));
            return new EpochMetrics
            {
                BalancedAccuracy = f1 + 0.02,
                ClassRecall = Enumerable.Range(0, 10).Select(c => (double?)Math.Clamp(f1 + 0.1 - (0.02 * c), 0, 1)).ToArray(),
                Ece = served ? 0.1 + (0.1 / e) : null,
                Nll = served ? 1.0 + (1.0 / e) : null,
                Brier = served ? 0.5 + (0.1 / e) : null,
                CalibrationBins = served
                    ? Enumerable.Range(0, 15).Select(k => new CalibrationBin(k / 15.0, (k + 1) / 15.0, k >= 10 ? 100 : 0, k >= 10 ? (k + 0.5) / 15 : 0, k >= 10 ? ((k + 0.5) / 15) - 0.1 : 0)).ToArray()
                    : null,
                Epoch = e,
                TrainLoss = (spec.Options.Loss == "proxynca" ? -10 : 1) * (1.5 - finalF1) / e,
                Accuracy = f1 + 0.02,
                F1Macro = f1,
                Nmi = f1 - 0.05,
                KmeansNmi = recall ? f1 - 0.1 : null,
                RecallAt1 = recall ? f1 + 0.05 : null,
                RecallAt8 = recall ? Math.Min(1, f1 + 0.3) : null,
                TrainSeconds = 10,
                EvalSeconds = 2,
                TrainImgPerS = 200,
            };
        }).ToArray();
        run.WriteConfig(new RunConfig
        {
            Options = spec.Options,
            TrainImages = 2000,
            TrainClassCounts = Enumerable.Range(0, 10).Select(c => (long)(400 - (30 * c))).ToArray(),
            TestImages = 1000,
            NumClasses = 10,
            DataSource = "synthetic",
        });
        run.WriteMetrics(history);
        run.WriteSummary(new RunSummary
        {
            Completed = true,
            Epochs = epochs,
            Final = history[^1],
            Best = history.MaxBy(h => h.F1Macro),
            WallSeconds = 12.5 * epochs,
            Dataset = spec.Options.Dataset,
            Model = spec.Options.Model,
            Loss = spec.Options.Loss,
            Seed = spec.Options.Seed,
        });
    }
}
