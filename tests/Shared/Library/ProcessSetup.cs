using System.Runtime.CompilerServices;
using LossLab.Hosting;

namespace LossLab.Tests;

/// <summary>
/// The test suite hosts LossLab as the CLI does: it applies the CLI's process settings (malloc, OpenMP and oneDNN
/// environment, one libtorch thread for background batch preparation) before any test loads libtorch. Thread counts
/// stay with each test (<see cref="TorchThreads"/>).
/// </summary>
internal static class ProcessSetup
{
    [ModuleInitializer]
    internal static void Apply() => ProcessSettings.Apply(new ProcessSettings());
}
