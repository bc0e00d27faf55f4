namespace LossLab.Cli.Jobs;

/// <summary>The process training a run ended without saying how the run ended: bad input, a crash, or a kill.</summary>
public sealed class RunProcessException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">Names the run and says why, with the process's own error message.</param>
    /// <param name="exitCode">The exit code <c>losslab</c> then ends with.</param>
    public RunProcessException(string message, int exitCode)
        : base(message)
    {
        ExitCode = exitCode;
    }

    /// <summary>The exit code <c>losslab</c> ends with: that of the child for bad input (2) or libtorch (3), else 1.</summary>
    public int ExitCode { get; }
}
