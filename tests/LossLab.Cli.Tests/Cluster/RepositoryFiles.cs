namespace LossLab.Cli.Tests.Cluster;

/// <summary>Files of this repository that the cluster tests run as they are (scripts, job examples).</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LossLab.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no LossLab.slnx above {AppContext.BaseDirectory}");
    });

    /// <summary>The checkout's root folder (the one holding <c>LossLab.slnx</c>).</summary>
    public static string Root => RootPath.Value;

    /// <summary>A path under the root, given by its parts.</summary>
    public static string At(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The CLI assembly the test project was built with.</summary>
    public static string CliAssembly => Path.Combine(AppContext.BaseDirectory, "LossLab.Cli.dll");
}
