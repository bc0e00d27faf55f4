using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LossLab.Hosting;

namespace LossLab.Tests.Hosting;

/// <summary>
/// What the library changes in a process, seen from a separate program that uses it (LossLab.LibraryProbe): this
/// suite's own process has opted in (<see cref="ProcessSetup"/>), and malloc settings and environment variables
/// cannot be undone once made.
/// </summary>
public sealed class ProcessSettingsTests
{
    // libtorch's default thread count in the probe (OMP_NUM_THREADS; libtorch caps a larger one at the physical
    // cores), different from the 2 threads its run asks for.
    private const int DefaultThreads = 1;
    private const int RunThreads = 2;

    [Fact]
    public void Should_LeaveMallocEnvironmentThreadsAndConsoleAsTheyWere_When_AProgramTrainsAndEvaluatesWithoutOptingIn()
    {
        // Given a program using the library alone, started with libtorch's default at 1 thread and no OpenMP or oneDNN variables
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");

        // When it trains two epochs of a run whose options ask for 2 threads, and evaluates the saved model
        var report = Probe(apply: null);

        // Then the C environment, libtorch's threads (on the main thread and for threads started later) and malloc's
        // mmap of large requests are as before, no thread was kept between epochs, nothing reached the console, and
        // the run recorded the threads it really ran on, with a warning that the options asked for others
        Assert.InRange(report["evaluated_accuracy"]!.GetValue<double>(), 0, 1);
        Assert.Null(report["environment_after"]!["OMP_WAIT_POLICY"]);
        Assert.Null(report["environment_after"]!["ONEDNN_MAX_CPU_ISA"]);
        Assert.Equal(DefaultThreads, report["threads_before"]!.GetValue<int>());
        Assert.Equal(DefaultThreads, report["threads_after"]!.GetValue<int>());
        Assert.Equal(DefaultThreads, report["new_thread_threads_after"]!.GetValue<int>());
        Assert.Equal(DefaultThreads, report["threads_used"]!.GetValue<int>());
        Assert.True(report["large_malloc_mapped"]!.GetValue<bool>(), "malloc no longer maps a 64 MiB request: its mmap setting was changed");
        Assert.Equal([0, 0], Ints(report["prefetch_threads_between_epochs"]!));
        Assert.Equal("", report["console"]!.GetValue<string>());
        Assert.Contains(Strings(report["observer_lines"]!), line => line.Contains("ask for 2 libtorch thread(s), 1 in force", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_ApplyMallocEnvironmentAndThreads_When_TheProgramOptsIn()
    {
        // Given the same program, opting in first with ProcessSettings.Apply and the run's 2 threads
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");

        // When it trains and evaluates the same run
        var report = Probe(apply: RunThreads);

        // Then the environment holds the defaults, libtorch runs on the thread applied, malloc serves large requests
        // from its heap, training keeps its one batch-preparing thread between epochs, and still nothing reached the console
        Assert.InRange(report["evaluated_accuracy"]!.GetValue<double>(), 0, 1);
        Assert.Equal("PASSIVE", report["environment_after"]!["OMP_WAIT_POLICY"]!.GetValue<string>());
        Assert.Equal("AVX2", report["environment_after"]!["ONEDNN_MAX_CPU_ISA"]!.GetValue<string>());
        Assert.Equal(RunThreads, report["threads_before"]!.GetValue<int>());
        Assert.Equal(RunThreads, report["threads_after"]!.GetValue<int>());
        Assert.Equal(RunThreads, report["new_thread_threads_after"]!.GetValue<int>());
        Assert.Equal(RunThreads, report["threads_used"]!.GetValue<int>());
        Assert.False(report["large_malloc_mapped"]!.GetValue<bool>(), "malloc still maps a 64 MiB request: freed memory is not kept");
        Assert.Equal([1, 1], Ints(report["prefetch_threads_between_epochs"]!));
        Assert.Equal("", report["console"]!.GetValue<string>());
        Assert.Empty(Strings(report["observer_lines"]!));
    }

    [Fact]
    public void Should_KeepEarlierSettings_When_AppliedAgainWithFewer()
    {
        // Given this suite's process, which applied the defaults first thing
        var before = ProcessSettings.Current;

        // When a program applies settings again, asking for none of them
        var now = ProcessSettings.Apply(new ProcessSettings { KeepFreedMemory = false, PassiveOpenMpWait = false, LimitOneDnnToAvx2 = false, SingleThreadedPrefetch = false });

        // Then nothing made earlier is reported undone, since it is not: malloc keeps freed memory still
        Assert.NotNull(before);
        Assert.True(now.KeepFreedMemory);
        Assert.True(now.PassiveOpenMpWait && now.LimitOneDnnToAvx2 && now.SingleThreadedPrefetch);
        Assert.True(NativeAllocator.IsKeepingFreedMemory);
        Assert.Equal(now, ProcessSettings.Current);
    }

    private static JsonNode Probe(int? apply)
    {
        using var run = new TempFolder("probe");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LossLab.LibraryProbe.dll"));
        info.ArgumentList.Add(run.Path);
        if (apply is { } threads)
        {
            info.ArgumentList.Add("--apply");
            info.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var variable in new[] { "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "MKL_NUM_THREADS", "GLIBC_TUNABLES", NativeAllocator.SwitchVariable })
        {
            info.Environment.Remove(variable);
        }

        info.Environment["OMP_NUM_THREADS"] = DefaultThreads.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
        }

        Assert.True(process.ExitCode == 0, $"probe exited with {process.ExitCode}: {error.Result}");
        return JsonNode.Parse(output.Trim().Split('\n')[^1])!;
    }

    private static int[] Ints(JsonNode node) => node.AsArray().Select(n => n!.GetValue<int>()).ToArray();

    private static string[] Strings(JsonNode node) => node.AsArray().Select(n => n!.GetValue<string>()).ToArray();
}
