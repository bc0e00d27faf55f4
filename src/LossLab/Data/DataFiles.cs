using System.IO.Compression;

namespace LossLab.Data;

/// <summary>File access shared by the readers: every I/O or decompression failure becomes a <see cref="DataFormatException"/>.</summary>
internal static class DataFiles
{
    /// <summary>Whether the bytes start with the gzip magic 1f 8b (extensions are not trusted).</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    /// <summary>Reads a whole file.</summary>
    public static byte[] ReadAll(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"expected a readable file, found: {e.Message}", e);
        }
    }

    /// <summary>Reads a file and gunzips it when it starts with the gzip magic.</summary>
    public static byte[] ReadMaybeGzip(string path) => MaybeGunzip(path, ReadAll(path));

    /// <summary>Returns <paramref name="bytes"/> decompressed if they are gzip, else unchanged.</summary>
    public static byte[] MaybeGunzip(string path, byte[] bytes)
    {
        if (!IsGzip(bytes))
        {
            return bytes;
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream(bytes.Length * 4);
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (IsMalformedInput(e))
        {
            throw new DataFormatException(path, $"expected a valid gzip stream (file starts with 1f 8b), found a corrupt one: {e.Message}", e);
        }
    }

    /// <summary>
    /// The exceptions a parser of untrusted bytes (gzip, tar, image codecs) raises for malformed input;
    /// the readers turn them into <see cref="DataFormatException"/>.
    /// </summary>
    public static bool IsMalformedInput(Exception e) =>
        e is IOException or InvalidDataException or FormatException or ArgumentException or OverflowException
            or NotSupportedException or InvalidOperationException or UnauthorizedAccessException;

    /// <summary>Big-endian unsigned 32-bit integer at <paramref name="offset"/>.</summary>
    public static uint ReadUInt32BigEndian(ReadOnlySpan<byte> bytes, int offset) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(offset, 4));
}
