using System.Runtime.InteropServices;

namespace LossLab.LibraryProbe;

/// <summary>What glibc says of the process: the C environment (what native code reads) and malloc's statistics.</summary>
internal static class Native
{
    private const int LargeRequest = 64 << 20;

    /// <summary>The values of <paramref name="names"/> in the C environment (null when unset).</summary>
    public static Dictionary<string, string?> Variables(IEnumerable<string> names) =>
        names.ToDictionary(n => n, n => Marshal.PtrToStringUTF8(getenv(n)));

    /// <summary>
    /// Whether malloc serves a 64 MiB request with its own mapping (mallinfo2's <c>hblkhd</c> grows by it), as glibc
    /// does by default for any request above its 32 MiB ceiling of the mmap threshold; with <c>M_MMAP_MAX</c> = 0 it
    /// comes from the heap instead.
    /// </summary>
    public static bool LargeMallocIsMapped()
    {
        var before = mallinfo2().MappedBytes;
        var block = Marshal.AllocHGlobal(LargeRequest);
        try
        {
            return (long)(mallinfo2().MappedBytes - before) >= LargeRequest;
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
    }

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallocInfo mallinfo2();

    // struct mallinfo2 (malloc.h, glibc 2.33+): ten size_t fields.
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MallocInfo
    {
        public readonly nuint Arena;
        public readonly nuint OrdinaryBlocks;
        public readonly nuint SmallBlocks;
        public readonly nuint MappedBlocks;
        public readonly nuint MappedBytes;
        public readonly nuint UnusedMaximum;
        public readonly nuint FastBinBytes;
        public readonly nuint AllocatedBytes;
        public readonly nuint FreeBytes;
        public readonly nuint KeepCost;
    }
}
