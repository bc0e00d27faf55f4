using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>
/// A small, fast 64-bit random stream (SplitMix64, Steele et al. 2014) for the draws of managed mining. One value from
/// the caller's torch generator seeds it, so that a seeded generator still gives reproducible draws while a batch's
/// hundreds of draws cost no libtorch call each.
/// </summary>
internal struct SplitMix64
{
    private ulong state;

    /// <summary>Starts a stream at <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => state = seed;

    /// <summary>A stream seeded by one draw of <paramref name="generator"/> (torch's default generator when null).</summary>
    public static SplitMix64 From(Generator? generator)
    {
        using var draw = torch.randint(long.MaxValue, [1], ScalarType.Int64, device: generator?.device, generator: generator);
        return new SplitMix64((ulong)draw.item<long>());
    }

    /// <summary>The next 64 uniformly random bits.</summary>
    public ulong Next()
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) for 0 &lt; bound &lt; 2³¹ (multiply-shift; the bias is below 2⁻³¹).</summary>
    public int Below(int bound) => (int)(((Next() >> 32) * (ulong)bound) >> 32);

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextUnit() => (Next() >> 11) * (1.0 / (1UL << 53));
}
