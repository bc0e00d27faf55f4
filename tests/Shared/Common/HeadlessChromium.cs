using System.Diagnostics;
using System.Text.RegularExpressions;

namespace LossLab.Tests;

/// <summary>Debian's chromium, headless, for the tests that open a report's HTML as a browser does.</summary>
internal static partial class HeadlessChromium
{
    /// <summary>Where Debian installs it (<c>scripts/setup.sh chromium</c>).</summary>
    public const string Path = "/usr/bin/chromium";

    /// <summary>Runs chromium headless with a profile inside <paramref name="dir"/> and returns its standard output.</summary>
    /// <param name="dir">A folder of the test's own (the browser profile goes there).</param>
    /// <param name="arguments">Its arguments, e.g. <c>--dump-dom</c> and the page's URL.</param>
    public static string Run(string dir, params string[] arguments)
    {
        Assert.True(File.Exists(Path), "chromium is missing: run scripts/setup.sh chromium (apt-get install chromium)");
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={System.IO.Path.Combine(dir, "chromium-profile")}",
                 }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start chromium");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 120 s");
        }

        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {error.Result}");
        return output.Result;
    }

    /// <summary>The DOM of <paramref name="htmlPath"/> after its load event.</summary>
    public static string Dom(string dir, string htmlPath) =>
        Run(dir, "--dump-dom", "--window-size=1200,2000", new Uri(htmlPath).AbsoluteUri);

    /// <summary>
    /// The report page's own count of embedded images and of those the browser decoded (the <c>data-image-count</c> and
    /// <c>data-images-loaded</c> attributes its script sets on <c>&lt;body&gt;</c>), or null when they are missing.
    /// </summary>
    public static (int Count, int Loaded)? Images(string dom)
    {
        var body = BodyTag().Match(dom);
        return body.Success ? (int.Parse(body.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(body.Groups["loaded"].Value, System.Globalization.CultureInfo.InvariantCulture)) : null;
    }

    [GeneratedRegex("<body[^>]*data-image-count=\"(?<count>\\d+)\"[^>]*data-images-loaded=\"(?<loaded>\\d+)\"")]
    private static partial Regex BodyTag();
}
