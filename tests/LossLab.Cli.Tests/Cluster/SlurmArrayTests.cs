using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using LossLab.Experiments;
using LossLab.Reporting;
using LossLab.Runs;
using LossLab.Tests;
using Xunit.Abstractions;

namespace LossLab.Cli.Tests.Cluster;

/// <summary>
/// examples/slurm/ run for real: its submit script on a one-node Slurm cluster (scripts/slurm-local.sh), the
/// jobs calling a <c>losslab</c> wrapper around the CLI this project built.
/// </summary>
public sealed partial class SlurmArrayTests(ReferenceExperiment reference, ITestOutputHelper output) : IClassFixture<ReferenceExperiment>
{
    [SlurmFact]
    public void Should_WriteTheSingleProcessFinalMetrics_When_TwoArrayTasksAndTheReportJobRunOnSlurm()
    {
        // Given a one-node cluster and the tiny experiment
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var scratch = new TempFolder("slurm-array");
        var experiment = scratch.File("experiment");
        var watch = Stopwatch.StartNew();
        using var cluster = LocalSlurm.Start(scratch.File("cluster"));

        // When submit.sh queues it as a 2-task array (one CPU each) and the report job after it, and both end
        var (array, report) = Submit(cluster, scratch, experiment);
        cluster.WaitForEmptyQueue();
        var states = new[] { $"{array}_1", $"{array}_2", report }.Select(cluster.JobState).ToArray();
        var completed = cluster.CompletedJobs;
        var survivors = cluster.Stop();
        Evidence(cluster, watch);
        var single = File.ReadAllText(Path.Combine(reference.Wait(), Report.MarkdownFileName));

        // Then each task trained its shard, the report job wrote the report, whose final metrics (the whole report,
        // indeed) are the single process's, and nothing of the cluster is left running
        Assert.Equal(["COMPLETED", "COMPLETED", "COMPLETED"], states);
        Assert.Equal(3, completed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("JobState=COMPLETED", StringComparison.Ordinal)));
        for (var task = 1; task <= 2; task++)
        {
            var log = TaskLog(experiment, array, task);
            Assert.Contains($"shard {task}/2", log, StringComparison.Ordinal);
            Assert.Contains("2 trained, 0 resumed, 0 skipped, 0 failed", log, StringComparison.Ordinal);
        }

        Assert.Contains("report: ", File.ReadAllText(Path.Combine(experiment, "logs", $"losslab-report-{report}.out")), StringComparison.Ordinal);
        var merged = File.ReadAllText(Path.Combine(experiment, Report.MarkdownFileName));
        output.WriteLine($"single process:\n{FinalMetricsTable(single)}\nmerged from the array:\n{FinalMetricsTable(merged)}");
        Assert.Contains("4 of 4 run(s) completed.", merged, StringComparison.Ordinal);
        Assert.Equal(FinalMetricsTable(single), FinalMetricsTable(merged));
        Assert.Equal(single, merged);
        Assert.Empty(survivors);
    }

    [SlurmFact]
    public void Should_SkipTheFinishedRunsAndResumeTheCancelledOne_When_TheArrayIsResubmittedAfterScancel()
    {
        // Given the tiny experiment submitted as a 2-task array on a one-node cluster
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var scratch = new TempFolder("slurm-resume");
        var experiment = scratch.File("experiment");
        var watch = Stopwatch.StartNew();
        using var cluster = LocalSlurm.Start(scratch.File("cluster"));
        var (array, _) = Submit(cluster, scratch, experiment);
        var shard2 = new Shard(2, 2).Select(PlanOf(experiment).Runs).Select(r => r.Id).ToArray();
        var cancelled = shard2[^1];

        // When task 2 is cancelled (scancel) while it trains its second run, everything ends, and the array is
        // submitted again with the same experiment directory
        WaitUntilTraining(cluster, TaskPath(experiment, array, 2), $"[2/2] {cancelled}: training");
        output.WriteLine($"scancel {array}_2 while it trains {cancelled}; squeue:\n{cluster.Queue()}");
        cluster.Slurm("scancel", $"{array}_2");
        cluster.WaitForEmptyQueue();
        var firstStates = new[] { $"{array}_1", $"{array}_2" }.Select(cluster.JobState).ToArray();
        var partialReport = File.ReadAllText(Path.Combine(experiment, Report.MarkdownFileName));
        var cancelledState = ExperimentRunner.StatusAt(ExperimentRunner.RunPathIn(experiment, cancelled)).State;
        var (again, _) = Submit(cluster, scratch, experiment);
        cluster.WaitForEmptyQueue();
        var secondStates = new[] { $"{again}_1", $"{again}_2" }.Select(cluster.JobState).ToArray();
        var survivors = cluster.Stop();
        Evidence(cluster, watch);
        var singleDirectory = reference.Wait();

        // Then the cancelled task saved a checkpoint and the report job still reported the 3 finished runs; on the
        // second submission each task skipped its finished runs, task 2 resumed the cancelled run mid-epoch from
        // its checkpoint, and the experiment ended as the single process did
        Assert.Equal(["COMPLETED", "CANCELLED"], firstStates);
        Assert.Contains($"[2/2] {cancelled}: interrupted after 0 epoch(s); checkpoint saved", TaskLog(experiment, array, 2), StringComparison.Ordinal);
        Assert.Equal(RunState.Unfinished, cancelledState);
        Assert.Contains("3 of 4 run(s) completed.", partialReport, StringComparison.Ordinal);
        Assert.Equal(["COMPLETED", "COMPLETED"], secondStates);
        var first = TaskLog(experiment, again, 1);
        var second = TaskLog(experiment, again, 2);
        output.WriteLine($"resubmitted task 1:\n{first}\nresubmitted task 2:\n{second}");
        foreach (var id in new Shard(1, 2).Select(PlanOf(experiment).Runs).Select(r => r.Id))
        {
            Assert.Contains($"{id}: completed earlier, skipped", first, StringComparison.Ordinal);
        }

        Assert.Contains("0 trained, 0 resumed, 2 skipped, 0 failed", first, StringComparison.Ordinal);
        Assert.Contains($"[1/2] {shard2[0]}: completed earlier, skipped", second, StringComparison.Ordinal);
        Assert.Contains($"[2/2] {cancelled}: resuming", second, StringComparison.Ordinal);
        var batch = ResumedBatch(second, cancelled);
        Assert.InRange(batch, 1, 31); // mid-epoch: 1,000 images in batches of 32 make 32 batches
        Assert.Contains("0 trained, 1 resumed, 1 skipped, 0 failed", second, StringComparison.Ordinal);
        Assert.Equal(Final(singleDirectory, cancelled), Final(experiment, cancelled));
        var single = File.ReadAllText(Path.Combine(singleDirectory, Report.MarkdownFileName));
        var merged = File.ReadAllText(Path.Combine(experiment, Report.MarkdownFileName));
        Assert.Equal(FinalMetricsTable(single), FinalMetricsTable(merged));
        Assert.Equal(single, merged);
        Assert.Empty(survivors);
    }

    /// <summary>Runs examples/slurm/submit.sh for the tiny plan into <paramref name="experiment"/>; returns the array and report job ids.</summary>
    private static (string Array, string Report) Submit(LocalSlurm cluster, TempFolder scratch, string experiment)
    {
        var bin = scratch.File("bin");
        var wrapper = Path.Combine(bin, "losslab");
        if (!File.Exists(wrapper) && OperatingSystem.IsLinux())
        {
            Directory.CreateDirectory(bin);
            File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet '{RepositoryFiles.CliAssembly}' \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        }

        var environment = new Dictionary<string, string>
        {
            ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["LOSSLAB_OUT"] = experiment,
            ["LOSSLAB_PLAN"] = string.Join(' ', ReferenceExperiment.Plan),
        };
        var (code, text, error) = cluster.Run("bash", [RepositoryFiles.At("examples", "slurm", "submit.sh"), "--array=1-2", "--cpus-per-task=1"], environment, scratch.Path);
        Assert.True(code == 0, $"submit.sh exited with {code}: {error}");
        var ids = SubmitLine().Match(text);
        Assert.True(ids.Success, $"no job ids in: {text}");
        return (ids.Groups[1].Value, ids.Groups[2].Value);
    }

    private static string TaskPath(string experiment, string array, int task) =>
        Path.Combine(experiment, "logs", $"losslab-sweep-{array}_{task}.out");

    private static string TaskLog(string experiment, string array, int task) => File.ReadAllText(TaskPath(experiment, array, task));

    private static ExperimentPlan PlanOf(string experiment)
    {
        var watch = Stopwatch.StartNew();
        ExperimentPlan? plan;
        while ((plan = ExperimentPlan.Load(experiment)) is null)
        {
            Assert.True(watch.Elapsed < LocalSlurm.Patience, $"no {ExperimentPlan.FileName} in {experiment}");
            Thread.Sleep(100);
        }

        return plan;
    }

    /// <summary>Waits until the log shows <paramref name="line"/> and then a batch of that run: it is mid-epoch.</summary>
    private static void WaitUntilTraining(LocalSlurm cluster, string log, string line)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var text = File.Exists(log) ? File.ReadAllText(log) : "";
            var at = text.IndexOf(line, StringComparison.Ordinal);
            if (at >= 0 && text.IndexOf("  epoch 1 batch ", at, StringComparison.Ordinal) > 0)
            {
                return;
            }

            Assert.True(watch.Elapsed < LocalSlurm.Patience, $"'{line}' and a batch after it not seen in {log}:\n{text}\n{cluster.Queue()}");
            Thread.Sleep(50);
        }
    }

    private static int ResumedBatch(string log, string id)
    {
        var resumed = Regex.Match(log, $@"resuming \S*{Regex.Escape(id)} after epoch 0, batch (\d+)");
        Assert.True(resumed.Success, $"no 'resuming ... {id} after epoch 0, batch N' in:\n{log}");
        return int.Parse(resumed.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>A run's final metrics that training decides (not its timings).</summary>
    private static (double TrainLoss, double Accuracy, double F1, double Nmi) Final(string experiment, string id)
    {
        var summary = new RunDirectory(ExperimentRunner.RunPathIn(experiment, id)).ReadSummary();
        Assert.True(summary?.Final is not null, $"no final metrics for {id} in {experiment}");
        var final = summary.Final;
        return (final.TrainLoss, final.Accuracy, final.F1Macro, final.Nmi);
    }

    /// <summary>The report's table of final-epoch metrics per loss, heading included.</summary>
    private static string FinalMetricsTable(string report)
    {
        var lines = report.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("**Final-epoch metrics per loss", StringComparison.Ordinal));
        Assert.True(start >= 0, $"no final-metrics table in:\n{report}");
        return string.Join('\n', lines.Skip(start).TakeWhile((l, i) => i < 2 || l.StartsWith('|')));
    }

    private void Evidence(LocalSlurm cluster, Stopwatch watch)
    {
        output.WriteLine($"cluster up to stopped: {watch.Elapsed.TotalSeconds:F1} s; squeue while waiting:");
        foreach (var queue in cluster.QueueSnapshots)
        {
            output.WriteLine(queue);
        }

        output.WriteLine($"job completion log:\n{cluster.CompletedJobs}");
    }

    [GeneratedRegex(@"array job (\d+), report job (\d+)")]
    private static partial Regex SubmitLine();
}
