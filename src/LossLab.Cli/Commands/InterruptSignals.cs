using System.Runtime.InteropServices;

namespace LossLab.Cli.Commands;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM while a command trains: the first asks the run to finish its batch and save a
/// checkpoint (<see cref="Token"/> is cancelled); a second one is left to its default handler, which ends the process.
/// </summary>
public sealed class InterruptSignals : IDisposable
{
    private readonly CancellationTokenSource cancel = new();
    private readonly PosixSignalRegistration interrupt;
    private readonly PosixSignalRegistration terminate;

    /// <summary>Starts handling the two signals, until disposed.</summary>
    public InterruptSignals()
    {
        interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled at the first signal.</summary>
    public CancellationToken Token => cancel.Token;

    /// <inheritdoc />
    public void Dispose()
    {
        interrupt.Dispose();
        terminate.Dispose();
        cancel.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (cancel.IsCancellationRequested)
        {
            // Second signal: let the default handler end the process.
            return;
        }

        context.Cancel = true;
        Console.Error.WriteLine();
        Console.Error.WriteLine($"{context.Signal}: finishing the current batch and saving a checkpoint (send again to stop at once)...");
        cancel.Cancel();
    }
}
