using System.IO.MemoryMappedFiles;
using LossLab.Cli.Benchmarking;

namespace LossLab.Cli.Tests.Benchmarking;

public sealed class MemoryProbeTests
{
    [Fact]
    public void Should_SeeThePeakRiseByATouchedBuffer_When_ThePeakWasReset()
    {
        // Given the peak restarted at the current resident size
        Assert.True(MemoryProbe.ResetPeak());
        var before = MemoryProbe.ResidentMb();
        Assert.True(before > 0);

        // When 64 MiB of fresh pages are written (an anonymous mapping: memory that the garbage collector or
        // malloc freed earlier in this process, still resident, cannot be reused for it)
        const long size = 64 << 20;
        using (var mapping = MemoryMappedFile.CreateNew(null, size))
        using (var view = mapping.CreateViewAccessor(0, size))
        {
            for (long offset = 0; offset < size; offset += 4096)
            {
                view.Write(offset, (byte)1);
            }
        }

        // Then the peak rose by about that much above the resident size before
        Assert.InRange(MemoryProbe.PeakMb() - before, 60, 200);
    }
}
