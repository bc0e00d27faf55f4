using System.Buffers.Binary;
using LossLab.Data;
using SkiaSharp;
using Xunit.Abstractions;

namespace LossLab.Tests.Data;

/// <summary>
/// Mutates small real-format files (byte flips, truncations, extensions, header-field changes) and checks that
/// every reader either succeeds or raises <see cref="DataFormatException"/>, never another exception.
/// </summary>
public sealed class ReaderFuzzTests
{
    private const int Mutations = 10_000;
    private static readonly uint[] Interesting = [0, 1, 2, 3, 27, 28, 29, 255, 256, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x00000801, 0x00000803];
    private readonly ITestOutputHelper _output;

    public ReaderFuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Should_RaiseOnlyDataFormatException_When_IdxFilesAreMutated()
    {
        // Given a 2-image idx3 file and a 2-label idx1 file, raw and gzipped
        var images = DataFixtures.IdxImages(DataFixtures.RandomBytes(2 * 784, 1), 2);
        var labels = DataFixtures.IdxLabels([3, 9]);
        var random = new Random(1);

        // When / Then
        var outcome = FuzzRunner.Run(Mutations, i =>
        {
            var useLabels = i % 2 == 1;
            var bytes = Mutate(useLabels ? labels : images, random, headerFields: useLabels ? [0, 4] : [0, 4, 8, 12]);
            if (random.Next(8) == 0)
            {
                bytes = random.Next(2) == 0 ? DataFixtures.Gzip(bytes) : Flip(DataFixtures.Gzip(useLabels ? labels : images), random);
            }

            var data = DataFiles.MaybeGunzip("fuzz", bytes);
            if (useLabels)
            {
                IdxReader.ParseLabels("fuzz", data, 10);
            }
            else
            {
                IdxReader.ParseImages("fuzz", data).Dispose();
            }
        });
        _output.WriteLine(outcome);
    }

    [Theory]
    [InlineData(CifarLabelKind.Cifar10)]
    [InlineData(CifarLabelKind.Cifar100Fine)]
    public void Should_RaiseOnlyDataFormatException_When_CifarFilesAreMutated(CifarLabelKind kind)
    {
        // Given a 3-record file with valid labels
        var labelBytes = kind == CifarLabelKind.Cifar10 ? new[] { new byte[] { 1 }, [9], [0] } : [[19, 99], [0, 0], [4, 42]];
        var file = DataFixtures.CifarRecords(labelBytes, DataFixtures.RandomBytes(3 * 3072, 2));
        var recordSize = CifarReader.RecordSize(kind);
        var random = new Random(2);

        // When / Then: label bytes are the header fields of this format
        var outcome = FuzzRunner.Run(Mutations, _ =>
        {
            var bytes = Mutate(file, random, headerFields: []);
            if (random.Next(2) == 0)
            {
                var record = random.Next(3);
                bytes = (byte[])file.Clone();
                bytes[(record * recordSize) + random.Next(recordSize - 3072)] = (byte)random.Next(256);
            }

            using var split = CifarReader.Parse("fuzz", bytes, kind);
        });
        _output.WriteLine(outcome);
    }

    [Fact]
    public void Should_RaiseOnlyDataFormatException_When_ImageArchivesAreMutated()
    {
        // Given a tiny tree of 4×3 PNGs and a JPEG, as a tar and a tar.gz
        var files = new List<(string Name, byte[] Data)>
        {
            ("train/a/0.png", DataFixtures.EncodeRgb(DataFixtures.RandomBytes(36, 1), 4, 3)),
            ("train/b/0.jpg", DataFixtures.EncodeRgb(DataFixtures.RandomBytes(36, 2), 4, 3, SKEncodedImageFormat.Jpeg)),
            ("test/a/0.png", DataFixtures.EncodeRgb(DataFixtures.RandomBytes(36, 3), 4, 3)),
            ("test/b/0.png", DataFixtures.EncodeGray(DataFixtures.RandomBytes(12, 4), 4, 3)),
        };
        var tar = DataFixtures.Tar(files, gzip: false);
        var tarGz = DataFixtures.Gzip(tar);
        var random = new Random(3);

        // When / Then: mutate the gzip bytes, the tar bytes (headers included), or one image inside a valid tar
        var outcome = FuzzRunner.Run(Mutations, i =>
        {
            byte[] archive;
            switch (i % 4)
            {
                case 0:
                    archive = Mutate(tarGz, random, headerFields: []);
                    break;
                case 1:
                    // Tar header fields: name (0), mode (100), size (124), checksum (148), type flag (156).
                    archive = MutateTarHeader(tar, random);
                    break;
                default:
                    var target = random.Next(files.Count);
                    var mutated = files.Select((f, k) => k == target ? (f.Name, MutateImage(f.Data, random)) : f).ToList();
                    archive = DataFixtures.Tar(mutated, gzip: false);
                    break;
            }

            using var stream = new MemoryStream(archive, writable: false);
            using var dataset = ImageFolderReader.ReadArchive("fuzz.tar", stream);
        });
        _output.WriteLine(outcome);
    }

    private static byte[] Mutate(byte[] original, Random random, int[] headerFields)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(headerFields.Length > 0 ? 5 : 4))
        {
            case 0:
                return Flip(bytes, random);
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                return bytes.Concat(DataFixtures.RandomBytes(random.Next(1, 2000), random.Next())).ToArray();
            case 3:
                // Flips concentrated in the first 32 bytes, where the headers live.
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    bytes[random.Next(Math.Min(32, bytes.Length))] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            default:
                var field = headerFields[random.Next(headerFields.Length)];
                var value = random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (uint)random.NextInt64(uint.MaxValue + 1L);
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(field), value);
                return bytes;
        }
    }

    private static byte[] Flip(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        for (var k = random.Next(1, 5); k > 0; k--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }

        return bytes;
    }

    private static byte[] MutateTarHeader(byte[] tar, Random random)
    {
        var bytes = (byte[])tar.Clone();
        var headers = Enumerable.Range(0, bytes.Length / 512).Where(b => bytes[(b * 512) + 257] == (byte)'u').ToArray(); // "ustar" magic
        var header = headers[random.Next(headers.Length)] * 512;
        int[] fields = [0, 100, 124, 148, 156];
        var offset = header + fields[random.Next(fields.Length)] + random.Next(12);
        bytes[offset] = random.Next(3) switch { 0 => (byte)random.Next(256), 1 => (byte)'7', _ => 0 };
        return random.Next(4) == 0 ? bytes[..random.Next(bytes.Length)] : bytes;
    }

    private static byte[] MutateImage(byte[] image, Random random)
    {
        var bytes = (byte[])image.Clone();
        switch (random.Next(3))
        {
            case 0:
                return Flip(bytes, random);
            case 1:
                return bytes[..random.Next(bytes.Length)];
            default:
                // PNG IHDR width/height at 16/20; for a JPEG these bytes lie in its headers too.
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16 + (4 * random.Next(2))), Interesting[random.Next(Interesting.Length)]);
                return bytes;
        }
    }
}
