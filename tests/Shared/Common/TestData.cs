namespace LossLab.Tests;

/// <summary>Where the tests find data: the reference values in <c>tests/Data</c> and the datasets the suite installs.</summary>
internal static class TestData
{
    /// <summary>A file of <c>tests/Data</c> (copied beside the test assembly).</summary>
    public static string Reference(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    /// <summary>Whether Debian's Fashion-MNIST is installed (<c>scripts/setup.sh</c> installs it).</summary>
    public static bool FashionMnistInstalled => Directory.Exists("/usr/share/datasets/fashion-mnist");
}
