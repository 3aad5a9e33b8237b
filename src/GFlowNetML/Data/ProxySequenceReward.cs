using System.Collections.Concurrent;
using GFlowNetML.Rewards;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GFlowNetML.Data;

/// <summary>
/// A sequence reward scored by any ML.NET model (a proxy trained on measurements, e.g. FastTree on featurized sequences):
/// the sequences of a batch become one <see cref="IDataView"/> with a text column, the model's <see cref="ITransformer.Transform"/>
/// adds a Single score column, and each prediction y becomes log R = α · log max(y, y_min) + log s
/// (<see cref="ProxyRewardOptions"/>). Predictions are cached per sequence, so every distinct sequence is scored once.
/// </summary>
/// <remarks>
/// <para>The featurizer belongs to the proxy: pass the whole fitted pipeline (text → features → regression). NaN and infinite
/// predictions are rejected with an <see cref="InvalidOperationException"/> naming the sequence.</para>
/// <para>Calls into the model are serialised (one batch at a time); cached reads are lock-free. The reward cannot be written
/// into a description, so <see cref="SequenceReward.Parameters"/> is <c>null</c>.</para>
/// </remarks>
public sealed class ProxySequenceReward : SequenceReward
{
    private readonly MLContext _mlContext;
    private readonly ITransformer _proxy;
    private readonly SchemaDefinition _inputDefinition;
    private readonly ConcurrentDictionary<string, float> _predictions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _evaluations;

    /// <summary>Wraps a fitted ML.NET model as a sequence reward.</summary>
    /// <param name="mlContext">The context that builds the batches' data views.</param>
    /// <param name="proxy">The fitted model: reads <see cref="ProxyRewardOptions.InputColumnName"/> (text) and writes
    /// <see cref="ProxyRewardOptions.ScoreColumnName"/> (Single).</param>
    /// <param name="tokens">The number of tokens K.</param>
    /// <param name="length">The sequence length L.</param>
    /// <param name="options">Column names, the transform and the batch size; <c>null</c> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or the model does not write a Single score column
    /// (ML.NET's wording: <c>Could not find score column '…'</c>, <c>Schema mismatch for score column '…'</c>).</exception>
    public ProxySequenceReward(MLContext mlContext, ITransformer proxy, int tokens, int length, ProxyRewardOptions? options = null)
        : base(tokens, length, (options ?? new ProxyRewardOptions()).Alphabet)
    {
        _mlContext = mlContext ?? throw new ArgumentNullException(nameof(mlContext));
        _proxy = proxy ?? throw new ArgumentNullException(nameof(proxy));
        Options = options ?? new ProxyRewardOptions();
        Options.Validate();
        _inputDefinition = SchemaDefinition.Create(typeof(ProxyInput));
        _inputDefinition[0].ColumnName = Options.InputColumnName;
        var inputSchema = _mlContext.Data.LoadFromEnumerable(Array.Empty<ProxyInput>(), _inputDefinition).Schema;
        var output = _proxy.GetOutputSchema(inputSchema);
        SchemaChecks.Find(output, nameof(proxy), "score", Options.ScoreColumnName, t => t == NumberDataViewType.Single, "Single");
    }

    /// <summary>The options in force.</summary>
    public ProxyRewardOptions Options { get; }

    /// <summary>The number of distinct sequences scored so far (the size of the cache).</summary>
    public int CachedCount => _predictions.Count;

    /// <summary>The number of sequences sent to the model so far (each distinct sequence once).</summary>
    public long ProxyEvaluations => Interlocked.Read(ref _evaluations);

    /// <inheritdoc/>
    public override string Description => FormattableString.Invariant(
        $"proxy(tokens={Tokens}, length={Length}, alpha={Options.Alpha:R}, y-min={Options.MinimumPrediction:R}, scale={Options.Scale:R})");

    /// <summary>The model's raw prediction y for a complete sequence (cached).</summary>
    /// <exception cref="ArgumentException">The sequence is not a complete sequence of this reward.</exception>
    /// <exception cref="InvalidOperationException">The model predicted NaN or an infinite value; the message names the sequence.</exception>
    public float Prediction(ReadOnlySpan<int> sequence)
    {
        if (sequence.Length != Length) throw new ArgumentException($"A sequence has {Length} tokens; got {sequence.Length}.", nameof(sequence));
        foreach (int x in sequence)
            if ((uint)x >= (uint)Tokens) throw new ArgumentException($"The sequence {Format(sequence)} is not a complete sequence of {Tokens} tokens.", nameof(sequence));
        string text = Format(sequence);
        if (_predictions.TryGetValue(text, out float y)) return y;
        Score([text]);
        return _predictions[text];
    }

    /// <summary>log R for a prediction: α · log max(y, y_min) + log s.</summary>
    public double LogRewardOf(double prediction)
        => Options.Alpha * Math.Log(Math.Max(prediction, Options.MinimumPrediction)) + Math.Log(Options.Scale);

    /// <inheritdoc/>
    protected override void ComputeLogRewards(ReadOnlySpan<int> sequences, Span<double> logRewards)
    {
        int n = logRewards.Length;
        var texts = new string[n];
        List<string>? missing = null;
        for (int i = 0; i < n; i++)
        {
            texts[i] = Format(sequences.Slice(i * Length, Length));
            if (!_predictions.ContainsKey(texts[i])) (missing ??= []).Add(texts[i]);
        }
        if (missing is not null) Score(missing.Distinct(StringComparer.Ordinal).ToList());
        for (int i = 0; i < n; i++) logRewards[i] = LogRewardOf(_predictions[texts[i]]);
    }

    /// <inheritdoc/>
    protected override bool IsModeCore(ReadOnlySpan<int> sequence)
        => Options.ModeLogRewardThreshold is double threshold && LogReward(sequence) >= threshold;

    private void Score(IReadOnlyList<string> texts)
    {
        lock (_gate)
        {
            var pending = texts.Where(t => !_predictions.ContainsKey(t)).ToList();
            for (int start = 0; start < pending.Count; start += Options.BatchSize)
            {
                var batch = pending.GetRange(start, Math.Min(Options.BatchSize, pending.Count - start));
                var view = _mlContext.Data.LoadFromEnumerable(batch.Select(t => new ProxyInput { Sequence = t }), _inputDefinition);
                var scores = _proxy.Transform(view).GetColumn<float>(Options.ScoreColumnName).ToArray();
                if (scores.Length != batch.Count)
                    throw new InvalidOperationException($"The proxy returned {scores.Length} predictions for {batch.Count} sequences; a proxy must score every row once (no filtering).");
                for (int i = 0; i < batch.Count; i++)
                    if (!float.IsFinite(scores[i]))
                        throw new InvalidOperationException($"The proxy predicted {scores[i]} for the sequence {batch[i]}; predictions must be finite.");
                for (int i = 0; i < batch.Count; i++) _predictions[batch[i]] = scores[i];
                Interlocked.Add(ref _evaluations, batch.Count);
            }
        }
    }

    /// <summary>One row of a batch sent to the proxy (the column is renamed to <see cref="ProxyRewardOptions.InputColumnName"/>).</summary>
    internal sealed class ProxyInput
    {
        /// <summary>The sequence as text.</summary>
        public string Sequence { get; set; } = "";
    }
}
