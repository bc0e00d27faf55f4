using System.Runtime.CompilerServices;
using LossLab.Hosting;

namespace LossLab.Tests;

/// <summary>Applies the native defaults the CLI applies, before any test loads libtorch, so that tests run as the CLI does.</summary>
internal static class NativeSetup
{
    [ModuleInitializer]
    internal static void Apply() => NativeDefaults.Apply();
}
