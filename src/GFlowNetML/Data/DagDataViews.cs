using GFlowNetML.Environments;
using Microsoft.ML;

namespace GFlowNetML.Data;

/// <summary>
/// Reads a <see cref="DagData"/> matrix (rows = samples, columns = nodes) for Bayesian-network structure learning from an
/// ML.NET <see cref="IDataView"/>: from every numeric scalar column, from named numeric columns, or from one numeric
/// vector column of known size.
/// </summary>
public static class DagDataViews
{
    /// <summary>The matrix of the numeric scalar columns of <paramref name="data"/>.</summary>
    /// <param name="data">The samples.</param>
    /// <param name="columnNames">The columns to use, in node order (their names become the node names); <c>null</c> takes every
    /// visible numeric scalar column in schema order.</param>
    /// <exception cref="ArgumentOutOfRangeException">A named column is missing or not a numeric scalar (ML.NET's wording, role
    /// <c>node</c>).</exception>
    /// <exception cref="ArgumentException">There is no numeric column, no row, a repeated column, or a value is NaN or infinite
    /// (the message names the row and the column).</exception>
    public static DagData FromColumns(IDataView data, IReadOnlyList<string>? columnNames = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        DataViewSchema.Column[] columns;
        if (columnNames is null)
        {
            columns = data.Schema.Where(c => !c.IsHidden && SchemaChecks.IsNumericScalar(c.Type)).ToArray();
            if (columns.Length == 0)
                throw new ArgumentException($"The data has no numeric scalar column (its columns: {string.Join(", ", data.Schema.Where(c => !c.IsHidden).Select(c => $"{c.Name} {c.Type}"))}).", nameof(data));
        }
        else
        {
            if (columnNames.Count == 0) throw new ArgumentException("columnNames must name at least one column.", nameof(columnNames));
            if (columnNames.Distinct(StringComparer.Ordinal).Count() != columnNames.Count)
                throw new ArgumentException($"columnNames repeats a column: {string.Join(", ", columnNames)}.", nameof(columnNames));
            columns = columnNames.Select(n => SchemaChecks.Find(data.Schema, nameof(data), "node", n, SchemaChecks.IsNumericScalar, "a numeric scalar")).ToArray();
        }
        var rows = new List<double[]>();
        using (var cursor = data.GetRowCursor(columns))
        {
            var getters = columns.Select(c => SchemaChecks.NumericGetter(cursor, c)).ToArray();
            while (cursor.MoveNext())
            {
                var row = new double[columns.Length];
                for (int c = 0; c < row.Length; c++) row[c] = getters[c]();
                Check(row, rows.Count, columns.Select(c => c.Name).ToArray());
                rows.Add(row);
            }
        }
        return Build(rows, columns.Select(c => c.Name).ToArray(), nameof(data));
    }

    /// <summary>The matrix of one numeric vector column of known size d (the nodes are named X0 … X(d−1), or by the column's
    /// slot names when it has them).</summary>
    /// <param name="data">The samples.</param>
    /// <param name="vectorColumnName">The vector column.</param>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or not a numeric vector of known size (ML.NET's wording,
    /// role <c>data</c>).</exception>
    /// <exception cref="ArgumentException">There is no row, or a value is NaN or infinite (the message names the row and the slot).</exception>
    public static DagData FromVector(IDataView data, string vectorColumnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(vectorColumnName);
        var column = SchemaChecks.Find(data.Schema, nameof(data), "data", vectorColumnName, SchemaChecks.IsKnownSizeNumericVector, "a known-size vector of numbers");
        int width = ((Microsoft.ML.Data.VectorDataViewType)column.Type).Size;
        string[] names = SlotNames(column, width) ?? Enumerable.Range(0, width).Select(i => "X" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var rows = new List<double[]>();
        using (var cursor = data.GetRowCursor([column]))
        {
            var getter = SchemaChecks.NumericVectorGetter(cursor, column);
            while (cursor.MoveNext())
            {
                var row = new double[width];
                getter(row);
                Check(row, rows.Count, names);
                rows.Add(row);
            }
        }
        return Build(rows, names, nameof(data));
    }

    private static string[]? SlotNames(DataViewSchema.Column column, int width)
    {
        if (column.Annotations.Schema.GetColumnOrNull("SlotNames") is null) return null;
        Microsoft.ML.Data.VBuffer<ReadOnlyMemory<char>> buffer = default;
        column.Annotations.GetValue("SlotNames", ref buffer);
        var names = buffer.DenseValues().Select(n => n.ToString()).ToArray();
        return names.Length == width && names.All(n => n.Length > 0) && names.Distinct(StringComparer.Ordinal).Count() == width ? names : null;
    }

    private static void Check(double[] row, int index, string[] names)
    {
        for (int c = 0; c < row.Length; c++)
            if (!double.IsFinite(row[c]))
                throw new ArgumentException($"Row {index}, column '{names[c]}': the value is {row[c]}; every value of a structure-learning data matrix must be finite.", "data");
    }

    private static DagData Build(List<double[]> rows, string[] names, string parameterName)
    {
        if (rows.Count == 0) throw new ArgumentException("The data has no rows.", parameterName);
        var values = new double[rows.Count, names.Length];
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < names.Length; c++) values[r, c] = rows[r][c];
        return new DagData(values, names, "IDataView");
    }
}
