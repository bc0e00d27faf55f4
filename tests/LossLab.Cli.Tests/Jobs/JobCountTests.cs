using LossLab.Cli.Jobs;

namespace LossLab.Cli.Tests.Jobs;

public sealed class JobCountTests
{
    private const long GiB = 1L << 30;

    [Theory]
    [InlineData(2, null, false, 24, 1, 2)] // one run per core
    [InlineData(8, 2, false, 64, 1, 4)] // one run per --threads cores
    [InlineData(2, 4, false, 24, 1, 1)] // more threads than cores: one run
    [InlineData(64, null, false, 16, 1, 16)] // memory for 16 small runs only
    [InlineData(16, null, false, 24, 8, 3)] // memory for 3 large runs only
    [InlineData(2, null, false, 4, 8, 1)] // not even one: still one
    [InlineData(16, null, true, 64, 1, 1)] // a GPU is shared: one run
    public void Should_RunOnePerCoreOrPerThreadsCores_When_MemoryAllowsAndNoGpu(int cores, int? threads, bool gpu, long memoryGiB, long perRunGiB, int expected)
    {
        // Given the machine, the threads asked for and the memory a run needs
        // When the default number of jobs is chosen
        var jobs = JobCount.Default(cores, threads, gpu, memoryGiB * GiB, perRunGiB * GiB);

        // Then it is as many as the cores and the memory allow
        Assert.Equal(expected, jobs);
    }

    [Fact]
    public void Should_SetAsideMoreMemory_When_AnyRunIsNotSmallCnn()
    {
        // Given the models of two experiments
        // When the memory per run is chosen
        var small = JobCount.MemoryPerRun(["small-cnn", "Small-CNN"]);
        var large = JobCount.MemoryPerRun(["small-cnn", "resnet18"]);

        // Then small-cnn alone gets the small budget, any other model the large one
        Assert.Equal(JobCount.SmallModelMemory, small);
        Assert.Equal(JobCount.LargeModelMemory, large);
    }

    [Theory]
    [InlineData(2, null, 2, 2, 1)] // two jobs share two cores; the quick preset's 2 threads give way
    [InlineData(1, null, 2, 2, 2)] // one job keeps the preset's threads
    [InlineData(1, null, null, 2, null)] // and no preset means every core, as before
    [InlineData(3, null, null, 8, 2)] // cores divided, rounded down
    [InlineData(4, null, null, 2, 1)] // at least one thread
    [InlineData(2, 3, 2, 2, 3)] // --threads wins
    public void Should_ShareTheCoresBetweenJobs_When_NoThreadCountIsGiven(int jobs, int? threads, int? planThreads, int cores, int? expected)
    {
        // Given jobs, the --threads given, the plan's threads and the cores
        // When each run's threads are chosen
        var perRun = JobCount.PerRun(jobs, threads, planThreads, cores);

        // Then they are those given, else the cores shared between several jobs, else the plan's
        Assert.Equal(expected, perRun);
    }
}
