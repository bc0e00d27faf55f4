using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace LossLab.Data;

/// <summary>
/// Fetches the official archives, only when asked (<c>--download</c>): Fashion-MNIST's four IDX .gz files
/// from Zalando Research, and the binary versions of CIFAR-10 and CIFAR-100 from the University of Toronto.
/// Every file is checked against its published MD5, written to a temporary name and then renamed, so an
/// interrupted download leaves nothing that looks complete.
/// </summary>
public static class Downloader
{
    private static readonly string[] FashionMnistMirrors =
    [
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ];

    private static readonly (string File, string Md5)[] FashionMnistFiles =
    [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ];

    private static readonly Dictionary<string, (string Url, string Md5, string Folder)> CifarArchives = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cifar10"] = ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", "cifar-10-batches-bin"),
        ["cifar100"] = ("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8", "cifar-100-binary"),
    };

    /// <summary>Default download folder: <c>$XDG_CACHE_HOME/losslab/data</c> or <c>~/.cache/losslab/data</c>.</summary>
    public static string DefaultRoot => Path.Combine(ImageFolderCache.UserCacheDirectory(), "data");

    /// <summary>Names accepted by <see cref="Download"/>.</summary>
    public static IReadOnlyList<string> Archives { get; } = ["fashion-mnist", "cifar10", "cifar100"];

    /// <summary>Downloads and unpacks a dataset into <paramref name="root"/>.</summary>
    /// <param name="archive">One of <see cref="Archives"/>.</param>
    /// <param name="root">Data folder; the files land in its <c>fashion-mnist/</c>, <c>cifar-10-batches-bin/</c> or <c>cifar-100-binary/</c> subfolder.</param>
    /// <param name="progress">Where progress lines go (the CLI passes standard error), or <see langword="null"/>.</param>
    /// <param name="client">HTTP client to use; default a new one.</param>
    /// <exception cref="DataFormatException">The download failed (offline, HTTP error, checksum mismatch) or the archive is damaged; the message names the URL.</exception>
    public static void Download(string archive, string root, TextWriter? progress = null, HttpClient? client = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(archive);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var isFashionMnist = archive.Equals("fashion-mnist", StringComparison.OrdinalIgnoreCase);
        if (!isFashionMnist && !CifarArchives.ContainsKey(archive))
        {
            throw new ArgumentException($"unknown archive '{archive}'; valid: {string.Join(", ", Archives)}", nameof(archive));
        }

        using var owned = client is null ? new HttpClient { Timeout = TimeSpan.FromMinutes(30) } : null;
        var http = client ?? owned!;
        Directory.CreateDirectory(root);
        if (isFashionMnist)
        {
            var folder = Path.Combine(root, "fashion-mnist");
            Directory.CreateDirectory(folder);
            foreach (var (file, md5) in FashionMnistFiles)
            {
                var target = Path.Combine(folder, file);
                if (!File.Exists(target))
                {
                    FetchFromMirrors(http, FashionMnistMirrors.Select(m => m + file).ToArray(), md5, target, progress);
                }
            }

            return;
        }

        var cifar = CifarArchives[archive];
        var tarGz = Path.Combine(root, Path.GetFileName(new Uri(cifar.Url).LocalPath));
        if (!File.Exists(tarGz))
        {
            FetchFromMirrors(http, [cifar.Url], cifar.Md5, tarGz, progress);
        }

        Extract(tarGz, cifar.Folder, root, progress);
    }

    private static void FetchFromMirrors(HttpClient http, string[] urls, string md5, string target, TextWriter? progress)
    {
        var failures = new List<string>();
        foreach (var url in urls)
        {
            try
            {
                Fetch(http, url, md5, target, progress);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                failures.Add($"{url}: {e.Message}");
            }
        }

        throw new DataFormatException(
            urls[0],
            $"expected to download {Path.GetFileName(target)}, found the download failing ({string.Join("; ", failures)}). " +
            $"If this machine is offline, fetch {urls[0]} elsewhere and copy it to {target}.");
    }

    private static void Fetch(HttpClient http, string url, string md5, string target, TextWriter? progress)
    {
        var temp = $"{target}.{Guid.NewGuid():N}.part";
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            var total = response.Content.Headers.ContentLength;
            using (var source = response.Content.ReadAsStream())
            using (var destination = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
            {
                var buffer = new byte[1 << 20];
                long done = 0;
                var clock = Stopwatch.StartNew();
                int read;
                while ((read = source.Read(buffer)) > 0)
                {
                    destination.Write(buffer, 0, read);
                    hash.AppendData(buffer, 0, read);
                    done += read;
                    if (progress is not null && clock.ElapsedMilliseconds > 500)
                    {
                        progress.Write(total is > 0 ? $"\r{Path.GetFileName(target)}: {done / 1e6:F1} / {total / 1e6:F1} MB" : $"\r{Path.GetFileName(target)}: {done / 1e6:F1} MB");
                        clock.Restart();
                    }
                }

                var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (actual != md5)
                {
                    throw new DataFormatException(url, $"expected MD5 {md5}, found {actual} (damaged or changed download)");
                }
            }

            progress?.WriteLine($"\r{Path.GetFileName(target)}: done");
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static void Extract(string tarGz, string folder, string root, TextWriter? progress)
    {
        var final = Path.Combine(root, folder);
        if (Directory.Exists(final))
        {
            return;
        }

        // Unpack into a private folder, then rename: a half-unpacked folder never carries the final name.
        var staging = Path.Combine(root, $".{folder}.{Guid.NewGuid():N}.part");
        try
        {
            Directory.CreateDirectory(staging);
            using (var file = File.OpenRead(tarGz))
            using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            using (var tar = new TarReader(gzip))
            {
                while (tar.GetNextEntry() is { } entry)
                {
                    var parts = entry.Name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);

                    // Only regular files directly inside the expected folder: never a path outside staging.
                    if (entry.EntryType is (TarEntryType.RegularFile or TarEntryType.V7RegularFile) && parts.Length == 2 && parts[0] == folder && parts[1] is not (".." or "."))
                    {
                        entry.ExtractToFile(Path.Combine(staging, parts[1]), overwrite: true);
                    }
                }
            }

            Directory.Move(staging, final);
            progress?.WriteLine($"unpacked {final}");
        }
        catch (Exception e) when (DataFiles.IsMalformedInput(e))
        {
            throw new DataFormatException(tarGz, $"expected a gzipped tar holding {folder}/, found a damaged archive: {e.Message}", e);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }
}
