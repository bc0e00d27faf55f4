using System.Runtime.InteropServices;

namespace LossLab.Hosting;

/// <summary>
/// Environment settings that libtorch's native libraries read once, when they are loaded, so they must be in place
/// before the first tensor is made. Process-wide: applied only through <see cref="ProcessSettings.Apply"/> (the CLI
/// calls it first thing; so does the test suite), never by the library on its own. A variable the user has set is
/// always kept.
/// <list type="bullet">
/// <item><c>OMP_WAIT_POLICY=PASSIVE</c>: libtorch's OpenMP threads sleep while they wait instead of spinning. Spinning
/// wins a little when the process has the cores to itself, but when another CPU-heavy process shares them (a second
/// training, a build, another shard) the spinning threads burn the cores the working ones need: measured here, two
/// small-cnn trainings side by side on 2 cores ran at 270–320 images/s each with spinning and at 620–780 without.
/// Not set when the user chose <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c>.</item>
/// <item><c>ONEDNN_MAX_CPU_ISA=AVX2</c>: oneDNN's AVX-512 convolution kernels of libtorch 2.10 return NaN from
/// finite input for some shapes on AVX-512 machines, e.g. a 3×3 convolution from 24 to 64 channels on a 4×24×16×16
/// batch (GoogLeNet's inception4b) in 150–400 of 400 calls here on an AMD EPYC; limited to AVX2 they never did.
/// Not set when the user chose <c>ONEDNN_MAX_CPU_ISA</c> or <c>DNNL_MAX_CPU_ISA</c>.</item>
/// </list>
/// </summary>
public static class NativeDefaults
{
    /// <summary>OpenMP's wait policy variable.</summary>
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>libgomp's spin-count variable; when set, the user has chosen how threads wait.</summary>
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>oneDNN's instruction-set limit.</summary>
    public const string IsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>oneDNN's former name for the instruction-set limit; when set, the user has chosen.</summary>
    public const string LegacyIsaVariable = "DNNL_MAX_CPU_ISA";

    /// <summary>Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the process environment unless the user has chosen; idempotent.</summary>
    internal static void ApplyWaitPolicy() => SetUnlessChosen(WaitPolicyVariable, "PASSIVE", SpinCountVariable);

    /// <summary>Sets <c>ONEDNN_MAX_CPU_ISA=AVX2</c> in the process environment unless the user has chosen; idempotent.</summary>
    internal static void ApplyIsaLimit() => SetUnlessChosen(IsaVariable, "AVX2", LegacyIsaVariable);

    /// <summary>A variable's value in the C library's environment (what native code reads), or null.</summary>
    public static string? Current(string variable)
    {
        ArgumentException.ThrowIfNullOrEmpty(variable);
        if (!OperatingSystem.IsLinux())
        {
            return Environment.GetEnvironmentVariable(variable);
        }

        try
        {
            return Marshal.PtrToStringUTF8(getenv(variable));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Environment.GetEnvironmentVariable(variable);
        }
    }

    private static void SetUnlessChosen(string variable, string value, string alternative)
    {
        if (!OperatingSystem.IsLinux() || Current(variable) is not null || Current(alternative) is not null)
        {
            return;
        }

        try
        {
            // .NET keeps its own copy of the environment on Unix; native libraries read the C library's.
            _ = setenv(variable, value, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: the defaults are an optimisation and a workaround, not a requirement.
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
