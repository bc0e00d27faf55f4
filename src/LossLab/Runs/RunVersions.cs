using System.Reflection;
using System.Runtime.InteropServices;

namespace LossLab.Runs;

/// <summary>Versions recorded in <c>config.json</c> so a result can be traced to the software that made it.</summary>
public static class RunVersions
{
    /// <summary>LossLab, TorchSharp, .NET and OS versions.</summary>
    public static IReadOnlyDictionary<string, string> Collect() => new Dictionary<string, string>
    {
        ["losslab"] = Informational(typeof(RunVersions).Assembly),
        ["torchsharp"] = Informational(typeof(TorchSharp.torch).Assembly),
        ["libtorch"] = "2.10.0",
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["os"] = RuntimeInformation.OSDescription,
    };

    private static string Informational(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? assembly.GetName().Version?.ToString()
        ?? "unknown";
}
