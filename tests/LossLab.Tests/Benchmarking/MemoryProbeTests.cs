using LossLab.Benchmarking;

namespace LossLab.Tests.Benchmarking;

public sealed class MemoryProbeTests
{
    [Fact]
    public void Should_SeeThePeakRiseByATouchedBuffer_When_ThePeakWasReset()
    {
        // Given the peak restarted at the current resident size
        Assert.True(MemoryProbe.ResetPeak());
        var before = MemoryProbe.ResidentMb();
        Assert.True(before > 0);

        // When 64 MiB are written
        var buffer = new byte[64 << 20];
        Array.Fill(buffer, (byte)1);
        GC.KeepAlive(buffer);

        // Then the peak rose by about that much above the resident size before
        Assert.InRange(MemoryProbe.PeakMb() - before, 60, 200);
    }
}
