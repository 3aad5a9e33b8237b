using System.Globalization;

namespace GFlowNetML.Rewards;

// The CSV side of the table: reading `sequence,score` files and writing them.
public sealed partial class SequenceRewardTable
{
    /// <summary>The header line <see cref="WriteCsv"/> writes.</summary>
    public const string CsvHeader = "sequence,score";

    /// <summary>
    /// Reads a table from a CSV file: a header line (e.g. <c>sequence,score</c>; its names are not checked, but its second
    /// field must not be a number), then one <c>sequence,score</c> line per sequence, the sequence spelled with the alphabet
    /// and the score an invariant-culture number (blank lines are skipped). The length L is that of the first sequence.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="tokens">The number of tokens K; the alphabet (the options' or the default, <c>ACGT</c> for K = 4) must have K characters.</param>
    /// <param name="options">The transform and modes; <c>null</c> for the defaults (TFBind8's).</param>
    /// <returns>A table whose <see cref="SequenceReward.Parameters"/> name the file (<c>reward=table</c>, <c>path</c>), so the
    /// environment can be recreated from a model file while the file stays where it is.</returns>
    /// <exception cref="InvalidDataException">A line is malformed, a score is NaN or infinite (or ≤ 0 while
    /// <see cref="SequenceTableOptions.MinimumScore"/> is 0), a sequence has the wrong length, an unknown character or a
    /// duplicate, or a sequence is missing; the message names the line number and the sequence.</exception>
    public static SequenceRewardTable ReadCsv(string path, int tokens, SequenceTableOptions? options = null)
        => ReadCsvNaming(path, tokens, options, nameof(SequenceTableOptions.MinimumScore));

    /// <summary><see cref="ReadCsv(string, int, SequenceTableOptions?)"/> with messages that name R_min's option as
    /// <paramref name="minimumScoreName"/> (the command line's <c>--r-min</c>).</summary>
    internal static SequenceRewardTable ReadCsvNaming(string path, int tokens, SequenceTableOptions? options, string minimumScoreName)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        return ReadCsvText(reader, path, tokens, options, minimumScoreName, new TableSource("table", [("path", Path.GetFullPath(path))]));
    }

    /// <summary>Reads <c>sequence,score</c> CSV text from <paramref name="reader"/>; messages name lines "of <paramref name="name"/>".</summary>
    internal static SequenceRewardTable ReadCsvText(TextReader reader, string name, int tokens, SequenceTableOptions? options, string minimumScoreName, TableSource? source)
    {
        options ??= new SequenceTableOptions();
        options.Validate(tokens);
        string alphabet = SequenceText.Resolve(options.Alphabet, tokens, nameof(options.Alphabet));
        SequenceScoreCollector? rows = null;
        int[] sequence = [];
        int lineNumber = 0;
        string Where(int line) => $"line {line} of {name}";
        // One string per line and spans for the fields: no Split arrays or trimmed copies (10^6 rows read in well under a second).
        while (reader.ReadLine() is string line)
        {
            lineNumber++;
            ReadOnlySpan<char> span = line;
            int comma = span.IndexOf(',');
            bool twoFields = comma >= 0 && span[(comma + 1)..].IndexOf(',') < 0;
            if (lineNumber == 1)
            {
                if (!twoFields || double.TryParse(span[(comma + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    throw new InvalidDataException($"{Where(1)}: expected a header line such as '{CsvHeader}'; got '{line}'.");
                continue;
            }
            if (span.IsWhiteSpace()) continue;
            if (!twoFields)
                throw new InvalidDataException($"{Where(lineNumber)}: expected two fields 'sequence,score'; got '{line}'.");
            ReadOnlySpan<char> text = span[..comma].Trim(), scoreText = span[(comma + 1)..].Trim();
            if (rows is null)
            {
                if (text.Length == 0) throw new InvalidDataException($"{Where(lineNumber)}: the sequence is empty.");
                rows = new SequenceScoreCollector(tokens, text.Length, alphabet, options.MinimumScore, minimumScoreName, Where, m => new InvalidDataException(m));
                sequence = new int[text.Length];
            }
            if (text.Length != rows.Length)
                throw new InvalidDataException($"{Where(lineNumber)}: the sequence '{text}' has {text.Length} characters; the table's sequences have {rows.Length} (the length of the first row).");
            if (SequenceText.TryParse(text, alphabet, sequence) is string error)
                throw new InvalidDataException($"{Where(lineNumber)}: {error}.");
            if (!double.TryParse(scoreText, NumberStyles.Float, CultureInfo.InvariantCulture, out double score))
                throw new InvalidDataException($"{Where(lineNumber)}: the score '{scoreText}' of {text} is not a number.");
            rows.Add(sequence, score, lineNumber);
        }
        if (lineNumber == 0) throw new InvalidDataException($"The file {name} is empty; expected a header line '{CsvHeader}' and one line per sequence.");
        if (rows is null) throw new InvalidDataException($"The file {name} has a header but no rows.");
        rows.CheckComplete();
        return new SequenceRewardTable(rows, options, source);
    }

    /// <summary>Writes the raw scores as CSV (<see cref="CsvHeader"/>, then one <c>sequence,score</c> line per sequence in
    /// lexicographic order, scores round-trip in the invariant culture): the format <see cref="ReadCsv"/> reads.</summary>
    public void WriteCsv(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var writer = new StreamWriter(path);
        WriteCsvRows(writer, Tokens, Length, Alphabet, _scores);
    }

    internal static void WriteCsvRows(TextWriter writer, int tokens, int length, string alphabet, ReadOnlySpan<double> scores)
    {
        writer.Write(CsvHeader);
        writer.Write('\n');
        var sequence = new int[length];
        for (int i = 0; i < scores.Length; i++)
        {
            SequenceText.FromIndex(i, tokens, sequence);
            writer.Write(SequenceText.Format(sequence, alphabet));
            writer.Write(',');
            writer.Write(scores[i].ToString("R", CultureInfo.InvariantCulture));
            writer.Write('\n');
        }
    }
}
