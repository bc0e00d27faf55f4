using System.Globalization;
using System.Runtime.InteropServices;
using LossLab.Hosting;

namespace LossLab.Tests.Hosting;

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

    [Fact]
    public unsafe void Should_ReturnFreedHeapPagesToTheKernel_When_FreeMemoryIsReleased()
    {
        // Given 96 blocks of 1 MiB malloc'd and written, then all but the last freed while freed memory is kept (no
        // automatic trim): the last block keeps the freed ones from merging into the heap's top, so they stay
        // resident as free chunks inside the heap
        Assert.True(NativeAllocator.KeepFreedMemory());
        const int size = 1 << 20;
        var blocks = new nint[96];
        for (var b = 0; b < blocks.Length; b++)
        {
            var block = (byte*)NativeMemory.Alloc(size);
            for (var offset = 0; offset < size; offset += 4096)
            {
                block[offset] = 1;
            }

            blocks[b] = (nint)block;
        }

        for (var b = 0; b < blocks.Length - 1; b++)
        {
            NativeMemory.Free((void*)blocks[b]);
        }

        var kept = AnonymousMb();

        // When free memory is released
        var released = NativeAllocator.ReleaseFreeMemory();
        var after = AnonymousMb();
        NativeMemory.Free((void*)blocks[^1]);

        // Then most of the freed pages left the resident set
        Assert.True(released);
        Assert.True(kept - after >= 48, $"anonymous RSS {kept:F0} MiB before, {after:F0} MiB after");
    }

    // The anonymous part of the resident set (RssAnon of /proc/self/status: heaps, stacks) in MiB.
    private static double AnonymousMb()
    {
        var line = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return long.Parse(line["RssAnon:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}
