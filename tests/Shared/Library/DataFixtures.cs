using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using SkiaSharp;

namespace LossLab.Tests;

/// <summary>Writes small files in the real dataset formats for the reader tests.</summary>
internal static class DataFixtures
{
    public static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>An idx3 file: magic, count, rows, cols (big-endian), then the pixels.</summary>
    public static byte[] IdxImages(byte[] pixels, int count, int rows = 28, int cols = 28, uint magic = 0x00000803)
    {
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        pixels.CopyTo(bytes, 16);
        return bytes;
    }

    /// <summary>An idx1 file: magic, count (big-endian), then the labels.</summary>
    public static byte[] IdxLabels(byte[] labels, uint magic = 0x00000801, int? count = null)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count ?? labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary>CIFAR records: per image its label bytes then its 3072 planar pixels.</summary>
    public static byte[] CifarRecords(byte[][] labels, byte[] pixels)
    {
        var recordSize = labels[0].Length + 3072;
        var bytes = new byte[labels.Length * recordSize];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i].CopyTo(bytes, i * recordSize);
            pixels.AsSpan(i * 3072, 3072).CopyTo(bytes.AsSpan((i * recordSize) + labels[i].Length));
        }

        return bytes;
    }

    /// <summary>Encodes planar RGB (3 × h × w) as an opaque PNG or JPEG.</summary>
    public static byte[] EncodeRgb(byte[] planes, int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = new byte[width * height * 4];
        var plane = width * height;
        for (var p = 0; p < plane; p++)
        {
            pixels[4 * p] = planes[p];
            pixels[(4 * p) + 1] = planes[plane + p];
            pixels[(4 * p) + 2] = planes[(2 * plane) + p];
            pixels[(4 * p) + 3] = 255;
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    /// <summary>Encodes an 8-bit grayscale image (h × w) as a PNG.</summary>
    public static byte[] EncodeGray(byte[] pixels, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Decodes with SkiaSharp's own bitmap API into planar RGB: the reference for lossy formats.</summary>
    public static byte[] DecodeReference(byte[] encoded)
    {
        using var decoded = SKBitmap.Decode(encoded);
        using var rgba = decoded.Copy(SKColorType.Rgba8888);
        var plane = rgba.Width * rgba.Height;
        var planes = new byte[3 * plane];
        for (var y = 0; y < rgba.Height; y++)
        {
            for (var x = 0; x < rgba.Width; x++)
            {
                var color = rgba.GetPixel(x, y);
                var p = (y * rgba.Width) + x;
                planes[p] = color.Red;
                planes[plane + p] = color.Green;
                planes[(2 * plane) + p] = color.Blue;
            }
        }

        return planes;
    }

    public static byte[] Tar(IEnumerable<(string Name, byte[] Data)> files, bool gzip)
    {
        using var output = new MemoryStream();
        using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, data) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }

        return gzip ? Gzip(output.ToArray()) : output.ToArray();
    }

    /// <summary>Writes files below a root folder, creating folders as needed.</summary>
    public static void WriteTree(string root, IEnumerable<(string Name, byte[] Data)> files)
    {
        foreach (var (name, data) in files)
        {
            var path = Path.Combine(root, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, data);
        }
    }
}
