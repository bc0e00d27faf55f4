using System.Globalization;
using System.Text;
using LossLab.Data;
using TorchSharp;

namespace LossLab.Metrics;

/// <summary>
/// The CSV files of <c>losslab metrics</c>: predictions (<c>label,prediction</c>) and
/// embeddings (<c>label,v1,…,vD</c>), read and turned into the snake_case metric dictionaries.
/// Parsing is span-based on the raw UTF-8 bytes with the invariant culture; every error names
/// the file and the line.
/// </summary>
public static class MetricsFiles
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// Reads a predictions CSV: an optional header <c>label,prediction</c>, then one <c>label,prediction</c> pair of
    /// integers per line. With the header <c>label,prediction,p0,…,p{C-1}</c>, each line also gives the C class
    /// probabilities (labels and predictions are then class indices in [0, C)). Blank lines are skipped.
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <exception cref="DataFormatException">The file is missing, empty or has a malformed line.</exception>
    public static PredictionTable ReadPredictions(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = ReadBytes(path);
        var lines = SplitLines(bytes);
        var first = HasHeader(bytes, lines) ? 1 : 0;
        var numClasses = 0;
        if (first == 1)
        {
            var header = Encoding.UTF8.GetString(Slice(bytes, lines[0]));
            var names = header.Split(',').Select(name => name.Trim().ToLowerInvariant()).ToArray();
            numClasses = names.Length - 2;
            var probabilityNames = Enumerable.Range(0, Math.Max(0, numClasses)).Select(c => string.Create(Invariant, $"p{c}"));
            if (names.Length < 2 || names[0] != "label" || names[1] != "prediction" || names.Length == 3 || !names[2..].SequenceEqual(probabilityNames))
            {
                throw new DataFormatException(path, $"line {lines[0].Number}: expected the header 'label,prediction' or 'label,prediction,p0,...,p<C-1>' (C ≥ 2), found '{header}'.");
            }
        }

        var count = lines.Count - first;
        if (count == 0)
        {
            throw new DataFormatException(path, "expected 'label,prediction' rows, found none.");
        }

        var labels = new long[count];
        var predictions = new long[count];
        var probabilities = numClasses > 0 ? new double[(long)count * numClasses] : null;
        var fields = 2 + numClasses;
        var expected = numClasses > 0 ? $"'label,prediction,p0,...,p{numClasses - 1}'" : "two integers 'label,prediction'";
        for (var i = 0; i < count; i++)
        {
            var line = lines[first + i];
            var text = Slice(bytes, line);
            var rest = text;
            for (var f = 0; f < fields; f++)
            {
                var comma = rest.IndexOf((byte)',');
                var last = f == fields - 1;
                if (last != (comma < 0))
                {
                    throw new DataFormatException(path, $"line {line.Number}: expected {expected}, found '{Quote(text)}'.");
                }

                var field = last ? rest : rest[..comma];
                var parsed = f switch
                {
                    0 => long.TryParse(field, NumberStyles.Integer, Invariant, out labels[i]),
                    1 => long.TryParse(field, NumberStyles.Integer, Invariant, out predictions[i]),
                    _ => double.TryParse(field, NumberStyles.Float, Invariant, out probabilities![((long)i * numClasses) + f - 2]),
                };
                if (!parsed)
                {
                    throw new DataFormatException(path, $"line {line.Number}: expected {expected}, found '{Quote(text)}'.");
                }

                rest = last ? default : rest[(comma + 1)..];
            }

            if (numClasses > 0)
            {
                CheckProbabilityRow(path, line.Number, labels[i], predictions[i], probabilities.AsSpan(i * numClasses, numClasses));
            }
        }

        return new PredictionTable(labels, predictions, probabilities, numClasses);
    }

    /// <summary>
    /// Reads an embeddings CSV: one sample per line, an integer label then the D embedding values.
    /// A first line whose first field is not a number is a header (e.g. <c>label,e0,…</c>) and is
    /// skipped. Every line must have the same number of fields; values must be finite.
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <exception cref="DataFormatException">The file is missing, empty, ragged or has a malformed value.</exception>
    public static EmbeddingTable ReadEmbeddings(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return EmbeddingCsv.Parse(path);
    }

    /// <summary>
    /// Classification metrics of a predictions table. Class ids may be any integers: they are
    /// mapped to 0..C−1 in ascending order (C distinct ids in labels ∪ predictions), which is
    /// also the row and column order of the confusion matrix.
    /// </summary>
    /// <param name="table">Labels and predictions.</param>
    public static ClassificationReport Evaluate(PredictionTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var (remapped, classes) = Remap([.. table.Labels, .. table.Predictions]);
        var n = table.Labels.Length;
        return ClassificationMetrics.Compute(remapped.AsSpan(0, n), remapped.AsSpan(n), classes);
    }

    /// <summary>
    /// Embedding metrics of an embeddings table with k = number of distinct labels (labels may
    /// be any integers; they are mapped to 0..C−1).
    /// </summary>
    /// <param name="table">Labels and embeddings.</param>
    /// <param name="options">k-means and blocking settings; defaults when null.</param>
    public static EmbeddingReport Evaluate(EmbeddingTable table, EmbeddingMetricOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var (labels, classes) = Remap(table.Labels);
        using var embeddings = table.ToTensor();
        using var classIds = torch.tensor(labels);
        return EmbeddingMetrics.Compute(embeddings, classIds, classes, options);
    }

    /// <summary>
    /// Reads a predictions CSV and returns <c>accuracy</c>, <c>f1_macro</c>, <c>nmi</c>, and, when the file gives
    /// probability columns, also <c>ece</c>, <c>nll</c> and <c>brier</c> (<see cref="CalibrationMetrics.FromProbabilities"/>:
    /// top-1 of the probabilities, 15 bins).
    /// </summary>
    /// <param name="path">The CSV file (see <see cref="ReadPredictions"/>).</param>
    public static IReadOnlyDictionary<string, double> ComputePredictionMetrics(string path)
    {
        var table = ReadPredictions(path);
        var metrics = new Dictionary<string, double>(Evaluate(table).ToDictionary());
        if (table.Probabilities is not null)
        {
            foreach (var (name, value) in CalibrationMetrics.FromProbabilities(table.Probabilities, table.Labels, table.NumClasses).ToDictionary())
            {
                metrics[name] = value;
            }
        }

        return metrics;
    }

    /// <summary>
    /// Reads an embeddings CSV and returns <c>kmeans_nmi</c>, <c>pair_f1</c>,
    /// <c>recall_at_1</c>, <c>recall_at_2</c>, <c>recall_at_4</c>, <c>recall_at_8</c>.
    /// </summary>
    /// <param name="path">The CSV file (see <see cref="ReadEmbeddings"/>).</param>
    /// <param name="options">k-means and blocking settings; defaults when null.</param>
    public static IReadOnlyDictionary<string, double> ComputeEmbeddingMetrics(string path, EmbeddingMetricOptions? options = null)
    {
        var table = ReadEmbeddings(path);
        if (table.Count < 2)
        {
            throw new DataFormatException(path, $"expected at least 2 embeddings for leave-one-out recall, found {table.Count}.");
        }

        return Evaluate(table, options).ToDictionary();
    }

    // Probabilities in [0, 1] summing to 1 (within what six printed decimals lose), class ids that index them.
    private static void CheckProbabilityRow(string path, int lineNumber, long label, long prediction, ReadOnlySpan<double> row)
    {
        if ((ulong)label >= (ulong)row.Length || (ulong)prediction >= (ulong)row.Length)
        {
            throw new DataFormatException(path, $"line {lineNumber}: with probability columns p0..p{row.Length - 1}, label and prediction must be class indices in [0, {row.Length}), found {label} and {prediction}.");
        }

        var sum = 0.0;
        foreach (var p in row)
        {
            if (!(p >= 0 && p <= 1))
            {
                throw new DataFormatException(path, $"line {lineNumber}: probabilities must lie in [0, 1], found {p.ToString("R", Invariant)}.");
            }

            sum += p;
        }

        if (Math.Abs(sum - 1) > 1e-4)
        {
            throw new DataFormatException(path, $"line {lineNumber}: the probabilities sum to {sum.ToString("R", Invariant)}, not 1.");
        }
    }

    private static (long[] Dense, int Classes) Remap(long[] ids)
    {
        var distinct = ids.Distinct().Order().ToArray();
        var index = new Dictionary<long, long>(distinct.Length);
        for (var i = 0; i < distinct.Length; i++)
        {
            index[distinct[i]] = i;
        }

        return ([.. ids.Select(id => index[id])], distinct.Length);
    }

    private static byte[] ReadBytes(string path)
    {
        try
        {
            // Uninitialised: every byte is overwritten by the read.
            using var handle = File.OpenHandle(path);
            var length = RandomAccess.GetLength(handle);
            if (length > Array.MaxLength)
            {
                throw new DataFormatException(path, $"the file has {length} bytes, more than can be read at once.");
            }

            var bytes = GC.AllocateUninitializedArray<byte>((int)length);
            var read = 0;
            while (read < bytes.Length)
            {
                var n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0)
                {
                    throw new DataFormatException(path, $"the file ended after {read} of {length} bytes.");
                }

                read += n;
            }

            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"cannot read the file: {e.Message}", e);
        }
    }

    private readonly record struct Line(int Start, int Length, int Number);

    // Non-blank lines with their 1-based numbers; a UTF-8 byte order mark and '\r' before '\n' are dropped.
    private static List<Line> SplitLines(byte[] bytes)
    {
        var lines = new List<Line>();
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        for (var number = 1; start <= bytes.Length; number++)
        {
            var end = bytes.AsSpan(start).IndexOf((byte)'\n');
            var length = end < 0 ? bytes.Length - start : end;
            var trimmed = length > 0 && bytes[start + length - 1] == (byte)'\r' ? length - 1 : length;
            if (!bytes.AsSpan(start, trimmed).Trim(" \t"u8).IsEmpty)
            {
                lines.Add(new Line(start, trimmed, number));
            }

            if (end < 0)
            {
                break;
            }

            start += end + 1;
        }

        return lines;
    }

    private static bool HasHeader(byte[] bytes, List<Line> lines)
    {
        if (lines.Count == 0)
        {
            return false;
        }

        var text = Slice(bytes, lines[0]);
        var comma = text.IndexOf((byte)',');
        return !double.TryParse(comma < 0 ? text : text[..comma], NumberStyles.Float, Invariant, out _);
    }

    private static ReadOnlySpan<byte> Slice(byte[] bytes, Line line) => bytes.AsSpan(line.Start, line.Length);

    private static string Quote(ReadOnlySpan<byte> text) => EmbeddingCsv.Quote(text);
}
