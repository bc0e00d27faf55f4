using System.Diagnostics;

namespace LossLab.Cli.Tests.Commands;

/// <summary>Runs <c>losslab</c> in-process (fast) or as a child process (for signals and kills).</summary>
internal static class CliRunner
{
    private static readonly object ConsoleLock = new();

    /// <summary>Runs the CLI in this process, capturing standard output and error.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        lock (ConsoleLock)
        {
            var previousOut = Console.Out;
            var previousErr = Console.Error;
            using var output = new StringWriter();
            using var error = new StringWriter();
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                var code = LossLab.Cli.Program.Main(args);
                return (code, output.ToString(), error.ToString());
            }
            finally
            {
                Console.SetOut(previousOut);
                Console.SetError(previousErr);
            }
        }
    }

    /// <summary>Starts the CLI as a child process (<c>dotnet losslab.dll ...</c>) with redirected output.</summary>
    public static Process Start(params string[] args) =>
        Process.Start(StartInfo(args)) ?? throw new InvalidOperationException("could not start losslab");

    /// <summary>How <see cref="Start"/> starts the CLI, for a test that changes its environment first.</summary>
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LossLab.Cli.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }
}
