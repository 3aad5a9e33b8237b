using System.IO.Compression;
using System.Text;

namespace GFlowNetML.Rewards;

// The shipped QM9 oracle table (Data/qm9str.csv.gz, provenance in Data/qm9str.md).
public sealed partial class SequenceRewardTable
{
    /// <summary>The kind (<see cref="SequenceReward.Parameters"/>' <c>reward</c>) of the shipped QM9 table.</summary>
    internal const string Qm9Kind = "qm9";

    /// <summary>The manifest resource holding the QM9 table, gzip-compressed <c>sequence,score</c> CSV.</summary>
    internal const string Qm9Resource = "GFlowNetML.Data.qm9str.csv.gz";

    /// <summary>QM9's number of building blocks K.</summary>
    public const int Qm9Tokens = 11;

    /// <summary>QM9's sequence length L (blocks per molecule).</summary>
    public const int Qm9Length = 5;

    /// <summary>
    /// The paper's QM9 task, shipped with the library: all 11^5 = 161,051 sequences of 5 building blocks with the
    /// oracle's score (the "qm9str" table of Shen et al., ICML 2023, which the policy-gradient paper uses), read from the
    /// embedded <c>qm9str.csv.gz</c>. With the default <see cref="SequenceTableOptions.Qm9"/>: log Z* = 9.6241168816014
    /// and 805 modes; 607 raw scores are negative and take R_min's reward.
    /// </summary>
    /// <param name="options">The transform and modes; <c>null</c> for <see cref="SequenceTableOptions.Qm9"/> (the paper's).
    /// Any alphabet of 11 characters may be given: the file's own (<c>0123456789a</c>) is used to read it.</param>
    /// <returns>A table whose <see cref="SequenceReward.Parameters"/> say <c>reward=qm9</c>, so that a model file recreates
    /// it from the library without the data file.</returns>
    /// <exception cref="ArgumentException">An option is out of range, or does not fit the table: R_min = 0 (its 607
    /// negative scores then have no reward), a <see cref="SequenceTableOptions.TokenNames"/> list that is not 11 long.</exception>
    public static SequenceRewardTable LoadQm9(SequenceTableOptions? options = null)
        => LoadQm9Naming(options, nameof(SequenceTableOptions.MinimumScore));

    /// <summary><see cref="LoadQm9"/> with messages that name R_min's option as <paramref name="minimumScoreName"/>
    /// (the command line's <c>--r-min</c>).</summary>
    internal static SequenceRewardTable LoadQm9Naming(SequenceTableOptions? options, string minimumScoreName)
    {
        var source = new TableSource(Qm9Kind, []);
        var shipped = SequenceTableOptions.Qm9;
        using var stream = typeof(SequenceRewardTable).Assembly.GetManifestResourceStream(Qm9Resource)
            ?? throw new InvalidOperationException($"The resource {Qm9Resource} is missing from {typeof(SequenceRewardTable).Assembly.GetName().Name}; the build did not embed Data/qm9str.csv.gz.");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        options ??= shipped;
        // Read with the file's alphabet (so that a bad option is reported against the file's line), then respell if asked.
        var reading = options with { Alphabet = shipped.Alphabet };
        SequenceRewardTable table;
        try
        {
            table = ReadCsvText(reader, "the shipped QM9 table (qm9str.csv.gz)", Qm9Tokens, reading, minimumScoreName, source);
        }
        catch (InvalidDataException e)
        {
            // The shipped file is well formed (a test checks its SHA-256): what it refuses is the options (R_min = 0).
            throw new ArgumentException(e.Message, nameof(options), e);
        }
        return reading == options ? table : FromScoresOf(Qm9Tokens, Qm9Length, table._scores, options, source);
    }
}
