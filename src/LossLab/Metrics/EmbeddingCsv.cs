using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using LossLab.Data;

namespace LossLab.Metrics;

/// <summary>
/// Streaming parser of embeddings CSVs (<c>label,v1,…,vD</c>, optional header). Two passes over
/// the file through one pooled buffer: the first counts lines so the label and value arrays are
/// allocated once at their final size, the second parses line by line into them. Nothing of the
/// file's size is allocated besides the result, which keeps a one-off read cheap (fresh memory
/// costs a page fault per 4 KB).
/// </summary>
internal static class EmbeddingCsv
{
    private const int ChunkBytes = 1 << 20;

    public static EmbeddingTable Parse(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                var (lineFeeds, endsWithLineFeed) = CountLineFeeds(stream, buffer);
                stream.Position = 0;
                var lines = lineFeeds + (endsWithLineFeed ? 0 : 1);
                return new Reader(path, lines).Read(stream, ref buffer);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"cannot read the file: {e.Message}", e);
        }
    }

    private static (long LineFeeds, bool EndsWithLineFeed) CountLineFeeds(Stream stream, byte[] buffer)
    {
        long count = 0;
        var last = (byte)'\n';
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            count += buffer.AsSpan(0, read).Count((byte)'\n');
            last = buffer[read - 1];
        }

        return (count, last == (byte)'\n');
    }

    internal static string Quote(ReadOnlySpan<byte> text) =>
        Encoding.UTF8.GetString(text.Length > 80 ? text[..80] : text).TrimEnd('\r') + (text.Length > 80 ? "..." : string.Empty);

    // Parses one "label,v1,...,vD" line (no line break); returns an error message or null.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? ParseRow(ReadOnlySpan<byte> line, int width, out long label, Span<float> row)
    {
        if (!FloatText.TryParseInt64Prefix(line, out label, out var i))
        {
            return $"field 1: expected an integer label, found '{Quote(line[..FloatText.FieldLength(line)])}'.";
        }

        for (var j = 0; j < width; j++)
        {
            if (i == line.Length || line[i] != (byte)',')
            {
                return FieldCountError(line, width);
            }

            i++;
            if (!FloatText.TryParsePrefix(line[i..], out row[j], out var used) || !float.IsFinite(row[j]))
            {
                return $"field {j + 2}: expected a finite number, found '{Quote(line.Slice(i, FloatText.FieldLength(line[i..])))}'.";
            }

            i += used;
        }

        return i == line.Length ? null : FieldCountError(line, width);
    }

    private static string FieldCountError(ReadOnlySpan<byte> line, int width) =>
        $"expected {width + 1} fields (label and {width} values), found {line.Count((byte)',') + 1}.";

    // State of the second pass: header, width, rows so far.
    private sealed class Reader(string path, long lines)
    {
        private long[] labels = [];
        private float[] values = [];
        private int width = -1;
        private int headerFields = -1;
        private int rows;
        private int expectedRows;

        public EmbeddingTable Read(Stream stream, ref byte[] buffer)
        {
            var filled = 0;
            var pos = 0;
            var end = false;
            var lineNumber = 0;
            while (true)
            {
                var lineFeed = buffer.AsSpan(pos, filled - pos).IndexOf((byte)'\n');
                if (lineFeed < 0 && !end)
                {
                    // Move the partial line to the front, grow the buffer if it holds no whole line, read on.
                    buffer.AsSpan(pos, filled - pos).CopyTo(buffer);
                    filled -= pos;
                    pos = 0;
                    if (filled == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var read = stream.Read(buffer.AsSpan(filled));
                    end = read == 0;
                    filled += read;
                    continue;
                }

                var length = lineFeed < 0 ? filled - pos : lineFeed;
                var line = buffer.AsSpan(pos, length);
                if (lineNumber == 0 && line.StartsWith("\uFEFF"u8))
                {
                    line = line[3..];
                }

                if (!line.IsEmpty && line[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }

                lineNumber++;
                Accept(line, lineNumber);
                pos += length + 1;
                if (lineFeed < 0)
                {
                    break;
                }
            }

            if (rows == 0)
            {
                throw new DataFormatException(path, "expected rows 'label,v1,...,vD', found none.");
            }

            if (rows < expectedRows)
            {
                // Blank lines were counted as possible rows.
                Array.Resize(ref labels, rows);
                Array.Resize(ref values, rows * width);
            }

            return new EmbeddingTable(labels, values, width);
        }

        private void Accept(ReadOnlySpan<byte> line, int lineNumber)
        {
            if (line.Trim(" \t"u8).IsEmpty)
            {
                return;
            }

            if (headerFields < 0 && width < 0 && !FloatText.TryParsePrefix(line, out _, out _))
            {
                headerFields = line.Count((byte)',') + 1;
                return;
            }

            if (width < 0)
            {
                Start(line, lineNumber);
            }

            var error = ParseRow(line, width, out labels[rows], values.AsSpan(rows * width, width));
            if (error is not null)
            {
                throw new DataFormatException(path, $"line {lineNumber}: {error}");
            }

            rows++;
        }

        // The first row fixes the width; the line count bounds the rows.
        private void Start(ReadOnlySpan<byte> line, int lineNumber)
        {
            width = line.Count((byte)',');
            if (width < 1)
            {
                throw new DataFormatException(path, $"line {lineNumber}: expected a label and at least one embedding value, found one field.");
            }

            if (headerFields >= 0 && headerFields != width + 1)
            {
                throw new DataFormatException(path, $"the header has {headerFields} fields but line {lineNumber} has {width + 1}.");
            }

            var bound = lines - lineNumber + 1;
            if (bound * width > Array.MaxLength)
            {
                throw new DataFormatException(path, $"{bound} rows of {width} values are more than one array can hold.");
            }

            expectedRows = (int)bound;
            labels = new long[expectedRows];
            values = new float[(long)expectedRows * width];
        }
    }
}
