namespace LossLab.Cli;

/// <summary>Entry point of the <c>losslab</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    public static int Main(string[] args)
    {
        Console.WriteLine(string.Join(" ", args));
        return 0;
    }
}
