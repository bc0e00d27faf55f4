using System.Text.RegularExpressions;
using LossLab.Data;
using LossLab.Losses;
using LossLab.Training;

namespace LossLab.Cli;

/// <summary>Turns exceptions into one readable line on standard error and an exit code.</summary>
public static partial class ErrorHandling
{
    /// <summary>Runs <paramref name="action"/>, mapping known failures to exit codes.</summary>
    public static int Run(Func<int> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return action();
        }
        catch (Exception ex)
        {
            var (code, message) = Describe(ex);
            Console.Error.WriteLine($"losslab: {message}");
            return code;
        }
    }

    /// <summary>The exit code and message for an exception.</summary>
    public static (int Code, string Message) Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            DataFormatException e => (ExitCodes.BadInput, e.Message),
            TrainingDivergedException e => (ExitCodes.Diverged, e.Message),
            ArgumentException e => (ExitCodes.BadInput, ArgumentMessage(e)),
            FileNotFoundException e => (ExitCodes.BadInput, $"{e.FileName}: file not found"),
            DirectoryNotFoundException e => (ExitCodes.BadInput, e.Message),
            TypeInitializationException e when e.TypeName?.StartsWith("TorchSharp", StringComparison.Ordinal) == true => (ExitCodes.NativeLibrary, NativeMessage(e)),
            DllNotFoundException e => (ExitCodes.NativeLibrary, NativeMessage(e)),
            UnauthorizedAccessException e => (ExitCodes.Failure, $"permission denied: {e.Message}"),
            IOException e => (ExitCodes.Failure, $"I/O error: {e.Message}"),
            _ => (ExitCodes.Failure, $"unexpected error: {exception}"),
        };
    }

    private static string ArgumentMessage(ArgumentException e)
    {
        // ArgumentException appends "(Parameter 'x')"; the option name is already in front.
        var message = e.Message;
        var suffix = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (suffix > 0)
        {
            message = message[..suffix];
        }

        message = WithoutQuotedValue(message);

        // The losses name their options by key; the user typed the flag.
        var name = e.ParamName is { } key && LossRegistry.OptionKeys.Contains(key) ? "--" + key : e.ParamName;
        if (e is ArgumentOutOfRangeException range && name is not null)
        {
            message = (message.Contains(name, StringComparison.Ordinal) ? message : $"{name}: {message}")
                + (range.ActualValue is { } v ? $" (got {v})" : "");
        }
        else if (name is not null && name.StartsWith("--", StringComparison.Ordinal) && !message.StartsWith(name, StringComparison.Ordinal))
        {
            message = $"{name}: {message}";
        }

        return message;
    }

    /// <summary>
    /// .NET's range checks say "NAME ('VALUE') must be greater than or equal to 'BOUND'."; the value is shown once,
    /// as "(got VALUE)", so this keeps "NAME must be ≥ BOUND".
    /// </summary>
    private static string WithoutQuotedValue(string message)
    {
        var match = DotNetRangeMessage().Match(message);
        if (!match.Success)
        {
            return message;
        }

        var rule = match.Groups["rule"].Value
            .Replace("must be greater than or equal to ", "must be ≥ ", StringComparison.Ordinal)
            .Replace("must be less than or equal to ", "must be ≤ ", StringComparison.Ordinal)
            .Replace("must be greater than ", "must be > ", StringComparison.Ordinal)
            .Replace("must be less than ", "must be < ", StringComparison.Ordinal)
            .Replace("must be a non-negative and non-zero value", "must be > 0", StringComparison.Ordinal)
            .Replace("must be a non-negative value", "must be ≥ 0", StringComparison.Ordinal)
            .Replace("must not be equal to ", "must not be ", StringComparison.Ordinal)
            .Replace("must be equal to ", "must be ", StringComparison.Ordinal)
            .Replace("'", "", StringComparison.Ordinal);
        return $"{match.Groups["name"].Value} {rule}";
    }

    [GeneratedRegex(@"^(?<name>\S+) \('[^']*'\) (?<rule>must .*?)\.?$", RegexOptions.Singleline)]
    private static partial Regex DotNetRangeMessage();

    private static string NativeMessage(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        var first = inner.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? inner.GetType().Name;
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        return $"libtorch could not be loaded ({first}); run 'ldd {native}' to see which system library is missing, and rebuild with 'dotnet build' so LossLab can adapt it to this system.";
    }
}
