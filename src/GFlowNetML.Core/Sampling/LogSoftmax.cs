namespace GFlowNetML.Sampling;

/// <summary>The masked log-softmax every policy and guide shares.</summary>
public static class LogSoftmax
{
    /// <summary>In place: each row of <paramref name="values"/> (logits or log-weights, <c>rows · actions</c>) becomes
    /// the log-softmax over its allowed entries; disallowed entries become −∞, and so does every entry of a row that
    /// allows none (s0 under a backward policy) or whose allowed entries are all −∞.</summary>
    /// <param name="values">The values, a whole number of rows of <paramref name="actions"/>.</param>
    /// <param name="masks">The allowed entries, as many as <paramref name="values"/>.</param>
    /// <param name="actions">The row width.</param>
    /// <exception cref="ArithmeticException">An allowed entry is NaN or +∞.</exception>
    public static void Masked(Span<float> values, ReadOnlySpan<bool> masks, int actions)
    {
        if (actions < 1 || values.Length % actions != 0 || masks.Length != values.Length)
            throw new ArgumentException($"Expected a whole number of rows of {actions} values and as many masks; got {values.Length} values and {masks.Length} masks.");
        for (int r = 0; r < values.Length / actions; r++)
        {
            var row = values.Slice(r * actions, actions);
            var mask = masks.Slice(r * actions, actions);
            double max = double.NegativeInfinity;
            for (int a = 0; a < actions; a++)
            {
                if (!mask[a]) continue;
                if (float.IsNaN(row[a]) || float.IsPositiveInfinity(row[a]))
                    throw new ArithmeticException($"An allowed action has the value {row[a]} (row {r}, action {a}); the network has diverged (try a lower learning rate).");
                if (row[a] > max) max = row[a];
            }
            if (double.IsNegativeInfinity(max)) { row.Fill(float.NegativeInfinity); continue; } // no allowed entry with mass
            double sum = 0;
            for (int a = 0; a < actions; a++) if (mask[a]) sum += Math.Exp(row[a] - max);
            // (x − max) − log Σ rather than x − (max + log Σ): the latter loses log Σ when |max| is huge.
            double logSum = Math.Log(sum);
            for (int a = 0; a < actions; a++) row[a] = mask[a] && sum > 0 ? (float)(row[a] - max - logSum) : float.NegativeInfinity;
        }
    }
}
