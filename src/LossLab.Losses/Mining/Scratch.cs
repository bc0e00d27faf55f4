namespace LossLab.Losses.Mining;

/// <summary>
/// Per-thread scratch spans of element type <typeparamref name="T"/> for managed mining and losses, grown on demand
/// so that a training step allocates no managed memory. Slots 0 and 1 belong to <see cref="RowMining"/>; callers of
/// the miners use the others. Contents are undefined on entry.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal static class Scratch<T>
    where T : unmanaged
{
    /// <summary>The number of slots.</summary>
    public const int Slots = 5;

    [ThreadStatic]
    private static T[][]? arrays;

    /// <summary>A span of <paramref name="n"/> entries in <paramref name="slot"/> (distinct slots never overlap).</summary>
    public static Span<T> Get(int slot, int n)
    {
        arrays ??= new T[Slots][];
        ref var array = ref arrays[slot];
        if (array is null || array.Length < n)
        {
            array = new T[n];
        }

        return array.AsSpan(0, n);
    }
}
