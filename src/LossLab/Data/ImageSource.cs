namespace LossLab.Data;

/// <summary>One image file of an image folder: bytes already in memory (archive member) or a file to read.</summary>
/// <param name="DisplayPath">Name used in error messages (file path, or archive path + member name).</param>
/// <param name="RelativePath">Path below the folder or archive root, '/'-separated.</param>
/// <param name="Bytes">Encoded bytes of an archive member, or <see langword="null"/> for a file on disk.</param>
/// <param name="FilePath">File to read when <paramref name="Bytes"/> is <see langword="null"/>.</param>
internal sealed record ImageSource(string DisplayPath, string RelativePath, byte[]? Bytes, string? FilePath)
{
    /// <summary>The encoded bytes, read from disk when needed (I/O exceptions propagate for the caller to report).</summary>
    public byte[] ReadBytes() => Bytes ?? File.ReadAllBytes(FilePath!);
}
