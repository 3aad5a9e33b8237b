using GFlowNetML.Environments;

namespace GFlowNetML.Evaluation;

/// <summary>
/// Metrics of a set of sampled terminal objects, for spaces too large to enumerate (where <see cref="ExactMetrics"/> is not
/// available): reward statistics, the top-k objects, the modes found and the diversity of the best objects.
/// </summary>
/// <remarks>
/// Objects are the state vectors of the terminal states; two samples are the same object when their state vectors are equal.
/// "Unique" statistics keep the first occurrence of each object. The top-k objects are the k unique objects with the highest
/// log-rewards (ties broken by first occurrence), as in the sequence-design literature; when fewer than k unique objects were
/// sampled, all of them are used.
/// </remarks>
/// <param name="SampleCount">The number of samples n.</param>
/// <param name="UniqueCount">The number of distinct objects among the samples.</param>
/// <param name="MeanLogReward">The mean of log R(x) over all n samples (duplicates counted); −∞ when a sample has R = 0.</param>
/// <param name="MeanReward">The mean of R(x) over all n samples (duplicates counted).</param>
/// <param name="MaxReward">The largest R(x) sampled.</param>
/// <param name="TopK">The k asked for.</param>
/// <param name="TopKCount">The number of objects the top-k statistics use: min(k, <paramref name="UniqueCount"/>).</param>
/// <param name="TopKMeanReward">The mean R(x) of the top-k unique objects.</param>
/// <param name="UniqueModes">The number of distinct sampled objects for which the environment's <c>IsMode</c> holds.</param>
/// <param name="Diversity">The mean pairwise Hamming distance between the top-k unique objects: the number of positions in
/// which their state vectors differ, averaged over the TopKCount·(TopKCount − 1)/2 pairs; 0 when TopKCount is 1.</param>
public sealed record SampledMetrics(
    int SampleCount,
    int UniqueCount,
    double MeanLogReward,
    double MeanReward,
    double MaxReward,
    int TopK,
    int TopKCount,
    double TopKMeanReward,
    int UniqueModes,
    double Diversity)
{
    /// <summary>The default k of the top-k statistics.</summary>
    public const int DefaultTopK = 100;

    /// <summary>Computes the metrics of sampled terminal objects.</summary>
    /// <param name="environment">The environment the objects belong to (its state width and <c>IsMode</c>).</param>
    /// <param name="states">The n sampled terminal states, <c>n · StateWidth</c> integers (n at least 1).</param>
    /// <param name="logRewards">Their log-rewards, n values; NaN and +∞ are rejected, −∞ (R = 0) is allowed.</param>
    /// <param name="topK">The k of the top-k statistics (at least 1; default 100).</param>
    /// <exception cref="ArgumentException">The sizes do not match, there are no samples, or a log-reward is NaN or +∞
    /// (the message names the sample).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is less than 1.</exception>
    public static SampledMetrics Compute(GFlowNetEnvironment environment, ReadOnlySpan<int> states, ReadOnlySpan<double> logRewards, int topK = DefaultTopK)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "topK must be at least 1.");
        int width = environment.StateWidth;
        int n = environment.BatchOf(states);
        if (n == 0) throw new ArgumentException("Sampled metrics need at least one sampled object; got none.", nameof(states));
        if (logRewards.Length != n)
            throw new ArgumentException($"There are {n} sampled objects but {logRewards.Length} log-rewards.", nameof(logRewards));

        double sumLog = 0, sumReward = 0, maxReward = 0;
        for (int i = 0; i < n; i++)
        {
            double r = logRewards[i];
            if (double.IsNaN(r) || double.IsPositiveInfinity(r))
                throw new ArgumentException($"The log-reward of sample {i} ({environment.Format(states.Slice(i * width, width))}) is {r}; log-rewards must be finite or −∞.", nameof(logRewards));
            sumLog += r;
            double reward = Math.Exp(r);
            sumReward += reward;
            maxReward = Math.Max(maxReward, reward);
        }

        // Unique objects, first occurrence kept, in sample order.
        var seen = new HashSet<int[]>(Conformance.StateComparer.Instance);
        var unique = new List<int>();
        for (int i = 0; i < n; i++)
            if (seen.Add(states.Slice(i * width, width).ToArray())) unique.Add(i);

        int modes = 0;
        foreach (int i in unique)
            if (environment.IsMode(states.Slice(i * width, width))) modes++;

        var ranked = unique.ToArray();
        var keys = new double[ranked.Length];
        for (int u = 0; u < ranked.Length; u++) keys[u] = logRewards[ranked[u]];
        // Stable descending order: sort by (−log R, sample index).
        var order = Enumerable.Range(0, ranked.Length).OrderByDescending(u => keys[u]).ThenBy(u => ranked[u]).ToArray();
        int top = Math.Min(topK, ranked.Length);
        double topSum = 0;
        for (int t = 0; t < top; t++) topSum += Math.Exp(keys[order[t]]);

        double distanceSum = 0;
        for (int a = 0; a < top; a++)
        {
            var x = states.Slice(ranked[order[a]] * width, width);
            for (int b = a + 1; b < top; b++)
            {
                var y = states.Slice(ranked[order[b]] * width, width);
                for (int p = 0; p < width; p++) if (x[p] != y[p]) distanceSum++;
            }
        }
        double diversity = top > 1 ? distanceSum / (top * (top - 1) / 2.0) : 0;

        return new SampledMetrics(n, unique.Count, sumLog / n, sumReward / n, maxReward, topK, top, topSum / top, modes, diversity);
    }
}
