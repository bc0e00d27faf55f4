namespace LossLab.Metrics;

/// <summary>
/// Sparse contingency table of two labelings of the same samples: the non-zero cells and the
/// row and column totals. Label values are arbitrary integers, remapped to dense indices in
/// order of first appearance; only non-zero cells are stored, so two labelings with many
/// distinct values never allocate a dense rows × columns matrix.
/// </summary>
internal sealed class ContingencyTable
{
    private ContingencyTable(long total, long[] rowTotals, long[] columnTotals, long[] cellCounts)
    {
        Total = total;
        RowTotals = rowTotals;
        ColumnTotals = columnTotals;
        CellCounts = cellCounts;
    }

    /// <summary>Number of samples.</summary>
    public long Total { get; }

    /// <summary>Samples per distinct value of the first labeling.</summary>
    public long[] RowTotals { get; }

    /// <summary>Samples per distinct value of the second labeling.</summary>
    public long[] ColumnTotals { get; }

    /// <summary>Counts of the non-zero cells, in no particular order.</summary>
    public long[] CellCounts { get; }

    /// <summary>Builds the table of <paramref name="rows"/> against <paramref name="columns"/>.</summary>
    public static ContingencyTable Build(ReadOnlySpan<long> rows, ReadOnlySpan<long> columns)
    {
        if (rows.Length != columns.Length)
        {
            throw new ArgumentException($"The labelings differ in length: {rows.Length} and {columns.Length}.", nameof(columns));
        }

        var rowIndex = new Dictionary<long, int>();
        var columnIndex = new Dictionary<long, int>();
        var rowTotals = new List<long>();
        var columnTotals = new List<long>();
        var cells = new Dictionary<long, long>();
        for (var i = 0; i < rows.Length; i++)
        {
            var r = IndexOf(rowIndex, rowTotals, rows[i]);
            var c = IndexOf(columnIndex, columnTotals, columns[i]);
            rowTotals[r]++;
            columnTotals[c]++;

            // rows.Length bounds both indices, so the packed key cannot overflow.
            var key = ((long)r * rows.Length) + c;
            cells[key] = cells.GetValueOrDefault(key) + 1;
        }

        return new ContingencyTable(rows.Length, [.. rowTotals], [.. columnTotals], [.. cells.Values]);
    }

    private static int IndexOf(Dictionary<long, int> index, List<long> totals, long value)
    {
        if (!index.TryGetValue(value, out var i))
        {
            i = totals.Count;
            index.Add(value, i);
            totals.Add(0);
        }

        return i;
    }
}
