namespace GFlowNetML.Data;

/// <summary>
/// How a <see cref="ProxySequenceReward"/> calls its ML.NET model and turns a prediction y into a log-reward:
/// log R(x) = α · log max(y(x), y_min) + log s.
/// </summary>
public sealed record ProxyRewardOptions
{
    /// <summary>The text column the proxy reads the sequence from (the featurizer is part of the proxy). Default <c>Sequence</c>.</summary>
    public string InputColumnName { get; init; } = "Sequence";

    /// <summary>The Single column holding the proxy's prediction y. Default <c>Score</c> (ML.NET regression's output).</summary>
    public string ScoreColumnName { get; init; } = "Score";

    /// <summary>The exponent α (finite, &gt; 0): R = s · max(y, y_min)^α. Default 1; the paper's sequence tasks use 3–6.</summary>
    public double Alpha { get; init; } = 1;

    /// <summary>The floor y_min on predictions (finite, &gt; 0), so that a zero or negative prediction still has a finite
    /// log-reward. Default 1e-3.</summary>
    public double MinimumPrediction { get; init; } = 1e-3;

    /// <summary>The scale s of the reward (finite, &gt; 0). Default 1.</summary>
    public double Scale { get; init; } = 1;

    /// <summary>The number of sequences per call of the proxy (at least 1). Default 1024.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>The log-reward at or above which a sequence counts as a mode, or <c>null</c> for no modes. Default <c>null</c>.</summary>
    public double? ModeLogRewardThreshold { get; init; }

    /// <summary>One distinct character per token, or <c>null</c> for the default (<c>ACGT</c> for 4 tokens, otherwise the
    /// first K of <c>0–9, A–Z, a–z</c>).</summary>
    public string? Alphabet { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option outside its range.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(InputColumnName)) throw new ArgumentOutOfRangeException(nameof(InputColumnName), InputColumnName, "InputColumnName must name a column.");
        if (string.IsNullOrWhiteSpace(ScoreColumnName)) throw new ArgumentOutOfRangeException(nameof(ScoreColumnName), ScoreColumnName, "ScoreColumnName must name a column.");
        if (!(Alpha > 0) || double.IsInfinity(Alpha)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "Alpha must be a finite number greater than 0.");
        if (!(MinimumPrediction > 0) || double.IsInfinity(MinimumPrediction))
            throw new ArgumentOutOfRangeException(nameof(MinimumPrediction), MinimumPrediction, "MinimumPrediction must be a finite number greater than 0.");
        if (!(Scale > 0) || double.IsInfinity(Scale)) throw new ArgumentOutOfRangeException(nameof(Scale), Scale, "Scale must be a finite number greater than 0.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (ModeLogRewardThreshold is double t && double.IsNaN(t))
            throw new ArgumentOutOfRangeException(nameof(ModeLogRewardThreshold), t, "ModeLogRewardThreshold must be a number or null.");
    }
}
