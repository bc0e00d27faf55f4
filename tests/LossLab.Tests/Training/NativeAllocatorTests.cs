using LossLab.Training;

namespace LossLab.Tests.Training;

public sealed class NativeAllocatorTests
{
    [Fact]
    public void Should_KeepFreedMemory_When_RunningOnGlibc()
    {
        // Given this Linux machine with glibc (the project's platform)
        Assert.True(OperatingSystem.IsLinux());

        // When the setting is applied, twice
        var first = NativeAllocator.KeepFreedMemory();
        var second = NativeAllocator.KeepFreedMemory();

        // Then malloc accepted it, and applying it again reports the same
        Assert.True(first);
        Assert.True(second);
    }
}
