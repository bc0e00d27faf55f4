using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using LossLab.Cli.Tests.Commands;

namespace LossLab.Cli.Tests.Reliability;

/// <summary>
/// A <c>losslab</c> child process whose standard error is read line by line, so a test can act at a chosen
/// point of training (kill it, signal it, break its folder) and then inspect the exit code and messages.
/// </summary>
internal sealed class ChildRun : IDisposable
{
    /// <summary>Generous: the tests share two cores with other work; a healthy run finishes far sooner.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    private const int SigInt = 2;
    private const int SigTerm = 15;
    private readonly Process process;
    private readonly StringBuilder error = new();
    private readonly StringBuilder output = new();
    private readonly object gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> waiters = [];

    public ChildRun(params string[] args)
    {
        process = CliRunner.Start(args);
        process.ErrorDataReceived += (_, e) => OnLine(error, e.Data, notify: true);
        process.OutputDataReceived += (_, e) => OnLine(output, e.Data, notify: false);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public int Id => process.Id;

    public string Error
    {
        get
        {
            lock (gate)
            {
                return error.ToString();
            }
        }
    }

    public string Output
    {
        get
        {
            lock (gate)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Waits for a standard-error line matching <paramref name="match"/>; fails the test if the process ends first.</summary>
    public string WaitForLine(Func<string, bool> match, string what)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            var earlier = error.ToString().Split('\n').FirstOrDefault(match);
            if (earlier is not null)
            {
                return earlier;
            }

            waiters.Add((match, seen));
        }

        var exited = process.WaitForExitAsync();
        var first = Task.WaitAny([seen.Task, exited], Patience);
        Assert.True(first == 0, $"no line '{what}' before {(first == 1 ? "the process exited" : "the timeout")}; stderr:\n{Error}");
        return seen.Task.Result;
    }

    /// <summary>Waits for the exit and returns the code; output is complete afterwards.</summary>
    public int WaitForExit()
    {
        Assert.True(process.WaitForExit(Patience), $"process did not exit; stderr:\n{Error}");
        process.WaitForExit(); // flushes the asynchronous readers
        return process.ExitCode;
    }

    /// <summary>SIGKILL: no handler runs, nothing is saved.</summary>
    public void Kill() => process.Kill();

    /// <summary>SIGINT, as Ctrl-C in a terminal sends it.</summary>
    public void Interrupt() => Assert.Equal(0, SendSignal(process.Id, SigInt));

    /// <summary>SIGTERM, as a service manager or <c>kill</c> sends it.</summary>
    public void Terminate() => Assert.Equal(0, SendSignal(process.Id, SigTerm));

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private void OnLine(StringBuilder target, string? line, bool notify)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            target.Append(line).Append('\n');
            if (!notify)
            {
                return;
            }

            foreach (var waiter in waiters.Where(w => w.Match(line)).ToArray())
            {
                waiters.Remove(waiter);
                waiter.Seen.TrySetResult(line);
            }
        }
    }
}
