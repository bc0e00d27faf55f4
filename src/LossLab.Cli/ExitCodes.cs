namespace LossLab.Cli;

/// <summary>Process exit codes of <c>losslab</c>.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected error (a bug, or a failure outside LossLab's checks).</summary>
    public const int Failure = 1;

    /// <summary>Bad input: an unknown option value, an out-of-range number, a missing or malformed data file.</summary>
    public const int BadInput = 2;

    /// <summary>libtorch could not be loaded.</summary>
    public const int NativeLibrary = 3;

    /// <summary>Training diverged (NaN or Inf loss or gradient).</summary>
    public const int Diverged = 4;

    /// <summary>Interrupted by Ctrl-C or SIGTERM after saving a checkpoint to resume from.</summary>
    public const int Interrupted = 130;
}
