using System.Globalization;
using System.Text;
using LossLab.Data;
using LossLab.Metrics;

namespace LossLab.Tests.Metrics;

public sealed class MetricsFilesTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("losslab-metrics-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Should_MatchScikitLearn_When_ReadingAPredictionsFile()
    {
        // Given the "missing classes" reference set written as a predictions CSV with CRLF endings
        var reference = MetricsReference.ClassificationCase("missing_classes");
        var labels = MetricsReference.Longs(reference.GetProperty("labels"));
        var predictions = MetricsReference.Longs(reference.GetProperty("predictions"));
        var path = Write("p.csv", "label,prediction\r\n" + string.Concat(labels.Zip(predictions, (y, p) => $"{y},{p}\r\n")));

        // When the metrics of the file are computed
        var metrics = MetricsFiles.ComputePredictionMetrics(path);

        // Then they are scikit-learn's under the snake_case keys
        Assert.Equal(["accuracy", "f1_macro", "nmi"], metrics.Keys);
        Assert.Equal(reference.GetProperty("accuracy").GetDouble(), metrics["accuracy"], 1e-6);
        Assert.Equal(reference.GetProperty("f1_macro").GetDouble(), metrics["f1_macro"], 1e-6);
        Assert.Equal(reference.GetProperty("nmi").GetDouble(), metrics["nmi"], 1e-6);
    }

    [Fact]
    public void Should_ReadSameTable_When_EmbeddingHeaderIsPresentOrNot()
    {
        // Given the same rows with and without a header, and a trailing blank line
        const string Rows = "3,0.5,-1e-3\n7, 2.25 ,4\n\n";
        var withHeader = Write("h.csv", "label,e0,e1\n" + Rows);
        var without = Write("n.csv", Rows);

        // When both are read
        var a = MetricsFiles.ReadEmbeddings(withHeader);
        var b = MetricsFiles.ReadEmbeddings(without);

        // Then both hold two 2-D rows with the exact values
        Assert.Equal([3L, 7L], a.Labels);
        Assert.Equal([0.5f, -1e-3f, 2.25f, 4f], a.Values);
        Assert.Equal(2, a.Dimension);
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Values, b.Values);
    }

    [Fact]
    public void Should_RemapLabels_When_EvaluatingAnEmbeddingsFile()
    {
        // Given the overlapping reference set with its labels scattered to 10, 20, ..., 50
        var reference = MetricsReference.Root.GetProperty("overlapping");
        var dim = reference.GetProperty("dim").GetInt32();
        var values = MetricsReference.Floats(reference.GetProperty("embeddings"));
        var labels = MetricsReference.Longs(reference.GetProperty("labels"));
        var text = new StringBuilder();
        for (var i = 0; i < labels.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(labels[i] + 1) * 10}");
            for (var j = 0; j < dim; j++)
            {
                text.Append(',').Append(values[(i * dim) + j].ToString("R", CultureInfo.InvariantCulture));
            }

            text.Append('\n');
        }

        var path = Write("e.csv", text.ToString());

        // When the embedding metrics of the file are computed
        var metrics = MetricsFiles.ComputeEmbeddingMetrics(path);

        // Then k = 5 classes were found and Recall@K is the brute force
        Assert.Equal(["kmeans_nmi", "pair_f1", "recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8"], metrics.Keys);
        Assert.Equal(reference.GetProperty("recall").GetProperty("1").GetDouble(), metrics["recall_at_1"]);
        Assert.Equal(reference.GetProperty("recall").GetProperty("8").GetDouble(), metrics["recall_at_8"]);
        Assert.InRange(metrics["kmeans_nmi"], 0.2, 0.95);
    }

    [Theory]
    [InlineData("label,prediction\n1,2\n3,x\n", 3, "'3,x'")]
    [InlineData("1,2\n\n3,4,5\n", 3, "'3,4,5'")]
    [InlineData("label,pred\n1,2\n", 1, "header")]
    public void Should_NameFileAndLine_When_APredictionRowIsBad(string content, int line, string detail)
    {
        // Given a predictions file with a bad line
        var path = Write("bad.csv", content);

        // When it is read
        var error = Assert.Throws<DataFormatException>(() => MetricsFiles.ReadPredictions(path));

        // Then the error names the file, the line and what was found
        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"line {line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_AddCalibrationMatchingNumPy_When_APredictionsFileHasProbabilityColumns()
    {
        // Given the NumPy calibration case "dirichlet_10" written with its probabilities as p0..p9 and the top-1 class as the prediction
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(TestData.Reference("calibration_reference.json")));
        var reference = json.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "dirichlet_10");
        var rows = reference.GetProperty("probabilities").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var labels = reference.GetProperty("labels").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var text = new StringBuilder("label,prediction," + string.Join(',', Enumerable.Range(0, 10).Select(c => $"p{c}")) + "\n");
        for (var i = 0; i < rows.Length; i++)
        {
            var top = Array.IndexOf(rows[i], rows[i].Max());
            text.Append(CultureInfo.InvariantCulture, $"{labels[i]},{top},").AppendJoin(',', rows[i].Select(p => p.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        }

        var path = Write("calibrated.csv", text.ToString());

        // When the metrics of the file are computed
        var metrics = MetricsFiles.ComputePredictionMetrics(path);

        // Then ECE, NLL and Brier join the classification metrics and equal NumPy's
        Assert.Equal(["accuracy", "f1_macro", "nmi", "ece", "nll", "brier"], metrics.Keys);
        var expected = reference.GetProperty("expected");
        Assert.Equal(expected.GetProperty("ece").GetDouble(), metrics["ece"], 1e-9);
        Assert.Equal(expected.GetProperty("nll").GetDouble(), metrics["nll"], 1e-9);
        Assert.Equal(expected.GetProperty("brier").GetDouble(), metrics["brier"], 1e-9);
    }

    [Theory]
    [InlineData("label,prediction,p1,p0\n0,0,0.5,0.5\n", 1, "header")]
    [InlineData("label,prediction,p0\n0,0,1\n", 1, "header")]
    [InlineData("label,prediction,p0,p1\n0,0,0.5,0.5\n1,1,0.9\n", 3, "'1,1,0.9'")]
    [InlineData("label,prediction,p0,p1\n0,0,1.5,-0.5\n", 2, "[0, 1]")]
    [InlineData("label,prediction,p0,p1\n0,0,0.6,0.6\n", 2, "sum to")]
    [InlineData("label,prediction,p0,p1\n2,0,0.5,0.5\n", 2, "class indices")]
    public void Should_NameFileAndLine_When_AProbabilityRowIsBad(string content, int line, string detail)
    {
        // Given a predictions file whose probability columns are wrong
        var path = Write("bad-p.csv", content);

        // When it is read
        var error = Assert.Throws<DataFormatException>(() => MetricsFiles.ReadPredictions(path));

        // Then the error names the file, the line and what is wrong
        Assert.Equal(path, error.FilePath);
        Assert.Contains($"line {line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("label,a,b\n0,1,2\n1,1\n", 3, "expected 3 fields")]
    [InlineData("0,1,2\n1,1,nan\n", 2, "field 3")]
    [InlineData("0,1,2\n1.5,1,2\n", 2, "integer label")]
    public void Should_NameFileAndLine_When_AnEmbeddingRowIsBad(string content, int line, string detail)
    {
        // Given an embeddings file with a bad line
        var path = Write("bad.csv", content);

        // When it is read
        var error = Assert.Throws<DataFormatException>(() => MetricsFiles.ReadEmbeddings(path));

        // Then the error names the file, the line and the fault
        Assert.Equal(path, error.FilePath);
        Assert.Contains($"line {line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ReadEveryRowInOrder_When_TheFileSpansSeveralBufferLoads()
    {
        // Given a 3 MB file (several 1 MB reads) whose values encode their row
        const int Rows = 100_000;
        var text = new StringBuilder("label,a,b\n");
        for (var i = 0; i < Rows; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{i % 7},{i}.5,-{i % 1000}e-3\r\n");
        }

        var path = Write("big.csv", text.ToString());

        // When it is read
        var table = MetricsFiles.ReadEmbeddings(path);

        // Then every row is there, in order
        Assert.Equal(Rows, table.Count);
        Assert.Equal(99_999L % 7, table.Labels[^1]);
        Assert.Equal(99_999.5f, table.Values[^2]);
        Assert.Equal(-0.999f, table.Values[^1]);
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => i + 0.5f), table.Values.Where((_, j) => j % 2 == 0));
    }

    [Fact]
    public void Should_CountLinesAcrossBufferLoads_When_ReportingAnError()
    {
        // Given 150,000 good rows (1.7 MB) with bad values at lines 120001 and 140001
        var text = new StringBuilder();
        for (var i = 1; i <= 150_000; i++)
        {
            text.Append(i == 120_001 || i == 140_001 ? "1,0.5,oops\n" : "1,0.5,0.25\n");
        }

        var path = Write("many.csv", text.ToString());

        // When it is read, then the first bad line is reported with its number and content
        var error = Assert.Throws<DataFormatException>(() => MetricsFiles.ReadEmbeddings(path));
        Assert.Contains("line 120001: field 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("'oops'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ReadLinesLongerThanTheBuffer_When_EmbeddingsAreWide()
    {
        // Given two rows of 400,000 values each (1.6 MB per line)
        const int Width = 400_000;
        var row = string.Join(',', Enumerable.Repeat("0.25", Width));
        var path = Write("wide.csv", $"3,{row}\n4,{row}");

        // When it is read
        var table = MetricsFiles.ReadEmbeddings(path);

        // Then both rows are whole
        Assert.Equal([3L, 4L], table.Labels);
        Assert.Equal(Width, table.Dimension);
        Assert.All(table.Values, v => Assert.Equal(0.25f, v));
    }

    [Fact]
    public void Should_NameTheFile_When_ItIsMissing()
    {
        // Given a path with no file
        var path = Path.Combine(folder, "absent.csv");

        // When it is read, then the error names it
        var error = Assert.Throws<DataFormatException>(() => MetricsFiles.ReadEmbeddings(path));
        Assert.Equal(path, error.FilePath);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}
