using System.Runtime.InteropServices;

namespace LossLab.Training;

/// <summary>
/// Makes libtorch's OpenMP threads (libgomp) sleep while they wait for work instead of spinning. Spinning wins a
/// little when the process has the cores to itself, but when another CPU-heavy process shares them (a second
/// training, a build, a shard of the same sweep) spinning threads take turns burning the cores the working threads
/// need: measured here, two small-cnn trainings side by side on 2 cores ran at 270–320 images/s each with the
/// default and at 620–780 with passive waiting. libgomp reads its settings once, when libtorch is loaded, so this
/// must run before the first tensor is made. A user's own <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c> is kept.
/// </summary>
public static class OpenMpWaitPolicy
{
    /// <summary>The OpenMP variable set (to <c>PASSIVE</c>) when the user has not chosen a policy.</summary>
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>libgomp's own spin-count variable; when set, the user has chosen and nothing is changed.</summary>
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the process environment unless a wait policy is already chosen.</summary>
    /// <returns>The policy libgomp will see: the user's, <c>PASSIVE</c>, or null where nothing could be set (not Linux).</returns>
    public static string? ApplyDefault()
    {
        var chosen = Environment.GetEnvironmentVariable(Variable);
        if (chosen is not null || Environment.GetEnvironmentVariable(SpinCountVariable) is not null || !OperatingSystem.IsLinux())
        {
            return chosen;
        }

        try
        {
            // .NET keeps its own copy of the environment on Unix; native code (libgomp) reads the C library's.
            return setenv(Variable, "PASSIVE", 0) == 0 ? Current() : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The value of <c>OMP_WAIT_POLICY</c> in the C library's environment (what libgomp reads), or null.</summary>
    public static string? Current() =>
        OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(getenv(Variable)) : Environment.GetEnvironmentVariable(Variable);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
