using System.Net;
using LossLab.Data;

namespace LossLab.Tests.Data;

public sealed class DownloaderTests
{
    [Fact]
    public void Should_ExplainOfflineFailure_When_NetworkIsUnreachable()
    {
        // Given a client whose every request fails as on an offline machine
        using var dir = new TempFolder();
        using var client = new HttpClient(new FakeHandler(_ => throw new HttpRequestException("Network is unreachable")));

        // When
        var error = Assert.Throws<DataFormatException>(() => Downloader.Download("cifar10", dir.Path, TextWriter.Null, client));

        // Then the URL and the way out are named, and nothing is left behind
        Assert.Equal("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", error.FilePath);
        Assert.Contains("Network is unreachable", error.Message);
        Assert.Contains("offline", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Should_TryEveryMirror_When_FashionMnistDownloadFails()
    {
        // Given a server answering 404 to everything
        using var dir = new TempFolder();
        var requested = new List<string>();
        using var client = new HttpClient(new FakeHandler(request =>
        {
            requested.Add(request.RequestUri!.ToString());
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }));

        // When
        var error = Assert.Throws<DataFormatException>(() => Downloader.Download("fashion-mnist", dir.Path, TextWriter.Null, client));

        // Then both Zalando mirrors were tried for the first file, and the error lists both
        Assert.Equal(2, requested.Count);
        Assert.All(requested, url => Assert.EndsWith("/train-images-idx3-ubyte.gz", url));
        Assert.Contains("404", error.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "fashion-mnist")));
    }

    [Fact]
    public void Should_RejectAndDiscard_When_ChecksumDiffers()
    {
        // Given a server returning bytes that are not the official archive
        using var dir = new TempFolder();
        using var client = new HttpClient(new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent("not cifar"u8.ToArray()) }));

        // When
        var error = Assert.Throws<DataFormatException>(() => Downloader.Download("cifar100", dir.Path, TextWriter.Null, client));

        // Then the mismatch is reported and no file (partial or final) remains
        Assert.Contains("expected MD5 03b5dce01913d631647c71ecec9e9cb8", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Should_UnpackOnlyTheDatasetFolder_When_ArchiveIsAlreadyThere()
    {
        // Given a previously downloaded archive holding the dataset folder plus stray and escaping members
        using var dir = new TempFolder();
        var record = DataFixtures.CifarRecords([[1]], new byte[3072]);
        File.WriteAllBytes(dir.File("cifar-10-binary.tar.gz"), DataFixtures.Tar(
            [("cifar-10-batches-bin/data_batch_1.bin", record), ("cifar-10-batches-bin/batches.meta.txt", "a\n"u8.ToArray()), ("other/x.bin", record), ("cifar-10-batches-bin/../escape.bin", record)],
            gzip: true));
        using var client = new HttpClient(new FakeHandler(_ => throw new InvalidOperationException("no request expected")));

        // When
        Downloader.Download("cifar10", dir.Path, TextWriter.Null, client);

        // Then only the dataset folder's own files were unpacked, under its final name
        Assert.Equal(["batches.meta.txt", "data_batch_1.bin"], Directory.GetFiles(dir.File("cifar-10-batches-bin")).Select(Path.GetFileName).Order());
        Assert.False(File.Exists(dir.File("escape.bin")));
        Assert.False(Directory.Exists(dir.File("other")));
        Assert.Equal(record, File.ReadAllBytes(Path.Combine(dir.File("cifar-10-batches-bin"), "data_batch_1.bin")));
    }

    [Fact]
    public void Should_Refuse_When_ArchiveNameIsUnknown()
    {
        using var dir = new TempFolder();
        var error = Assert.Throws<ArgumentException>(() => Downloader.Download("imagenet", dir.Path, TextWriter.Null));
        Assert.Contains("fashion-mnist, cifar10, cifar100", error.Message);
    }

    private sealed class FakeHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) => respond(request);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(respond(request));
    }
}
