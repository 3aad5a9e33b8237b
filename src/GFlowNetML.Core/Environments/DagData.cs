using System.Globalization;

namespace GFlowNetML.Environments;

/// <summary>
/// A data matrix for Bayesian-network structure learning: N rows (samples) × d columns (variables, the nodes of the
/// graphs), with node names, read from a CSV file or given in code.
/// </summary>
/// <remarks>
/// CSV format: comma-separated numbers in the invariant culture ("1.5", "-2e-3"), one sample per line, the same number of
/// columns on every line; blank lines are skipped. The first line is a header of node names when none of its fields is a
/// number (names may be quoted), data when all of them are; a first line that mixes both is an error. Without a header
/// the nodes are named X0, X1, … . NaN and infinite values are rejected.
/// </remarks>
public sealed class DagData
{
    private readonly double[,] _values;
    private readonly string[] _names;

    /// <summary>Wraps a data matrix (copied).</summary>
    /// <param name="values">N rows × d columns, every value finite, N ≥ 1, d ≥ 1.</param>
    /// <param name="nodeNames">d distinct names, or <c>null</c> for X0, X1, … .</param>
    /// <param name="source">Where the data comes from, for messages and descriptions (default "matrix").</param>
    public DagData(double[,] values, IReadOnlyList<string>? nodeNames = null, string source = "matrix")
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(source);
        int rows = values.GetLength(0), columns = values.GetLength(1);
        if (rows < 1 || columns < 1) throw new ArgumentException($"The data matrix must have at least one row and one column; got {rows} × {columns}.", nameof(values));
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                if (!double.IsFinite(values[r, c]))
                    throw new ArgumentException($"The data value at row {r}, column {c} is {values[r, c]}; every value must be finite.", nameof(values));
        if (nodeNames is not null)
        {
            if (nodeNames.Count != columns)
                throw new ArgumentException($"The data has {columns} columns but {nodeNames.Count} node names.", nameof(nodeNames));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string name in nodeNames)
                if (string.IsNullOrWhiteSpace(name) || !seen.Add(name))
                    throw new ArgumentException($"Node names must be non-empty and distinct; '{name}' is not.", nameof(nodeNames));
        }
        _values = (double[,])values.Clone();
        _names = nodeNames?.ToArray() ?? Enumerable.Range(0, columns).Select(i => "X" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        Source = source;
    }

    /// <summary>The number of rows (samples) N.</summary>
    public int Rows => _values.GetLength(0);

    /// <summary>The number of columns (nodes) d.</summary>
    public int Columns => _values.GetLength(1);

    /// <summary>The node names, one per column.</summary>
    public IReadOnlyList<string> NodeNames => _names;

    /// <summary>Where the data comes from: the file path, or "matrix".</summary>
    public string Source { get; }

    /// <summary>A copy of the matrix, <see cref="Rows"/> × <see cref="Columns"/>.</summary>
    public double[,] CopyValues() => (double[,])_values.Clone();

    /// <summary>Reads a CSV file (see the remarks for the format).</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">A line is malformed; the message names the file, line and column.</exception>
    public static DagData ReadCsv(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var reader = new StreamReader(path);
        return ParseCsv(reader, path);
    }

    /// <summary>Parses CSV text (see the remarks for the format).</summary>
    /// <param name="reader">The text.</param>
    /// <param name="source">The name used in messages and as <see cref="Source"/>.</param>
    /// <exception cref="InvalidDataException">A line is malformed; the message names the source, line and column.</exception>
    public static DagData ParseCsv(TextReader reader, string source = "data")
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        string[]? names = null;
        var rows = new List<double[]>();
        int columns = -1, lineNumber = 0;
        bool first = true;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string[] fields = line.Split(',');
            for (int c = 0; c < fields.Length; c++) fields[c] = fields[c].Trim();
            if (columns >= 0 && fields.Length != columns)
                throw new InvalidDataException($"{source}, line {lineNumber}: {fields.Length} columns; expected {columns} like the first line.");
            columns = fields.Length;
            if (first)
            {
                first = false;
                int numeric = fields.Count(f => TryNumber(f, out _));
                if (numeric == 0)
                {
                    names = fields.Select(Unquote).ToArray();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    for (int c = 0; c < names.Length; c++)
                        if (names[c].Length == 0 || !seen.Add(names[c]))
                            throw new InvalidDataException($"{source}, line {lineNumber}, column {c + 1}: the header name '{names[c]}' is empty or repeated.");
                    continue;
                }
                if (numeric != fields.Length)
                {
                    int bad = Array.FindIndex(fields, f => !TryNumber(f, out _));
                    throw new InvalidDataException($"{source}, line {lineNumber}, column {bad + 1}: '{fields[bad]}' is not a number, but other fields of the first line are (a header must have only names).");
                }
            }
            var row = new double[columns];
            for (int c = 0; c < columns; c++)
            {
                if (!TryNumber(fields[c], out row[c]))
                    throw new InvalidDataException($"{source}, line {lineNumber}, column {c + 1}: '{fields[c]}' is not a number.");
                if (!double.IsFinite(row[c]))
                    throw new InvalidDataException($"{source}, line {lineNumber}, column {c + 1}: '{fields[c]}' is not finite; every value must be finite.");
            }
            rows.Add(row);
        }
        if (rows.Count == 0) throw new InvalidDataException($"{source}: no data rows.");
        var values = new double[rows.Count, columns];
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < columns; c++) values[r, c] = rows[r][c];
        return new DagData(values, names, source);
    }

    private static bool TryNumber(string field, out double value)
        => double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    private static string Unquote(string field)
        => field.Length >= 2 && field[0] == '"' && field[^1] == '"' ? field[1..^1].Trim() : field;
}
