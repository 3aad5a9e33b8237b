using GFlowNetML.Evaluation;

namespace GFlowNetML.Environments;

/// <summary>
/// Marginal edge probabilities P(i → j ∈ G) = Σ_G p(G)·1[i → j ∈ G] of a distribution over DAGs — the exact posterior
/// (<see cref="StateSpace.TargetDistribution"/>) or a sampler's (<see cref="TerminatingDistribution.Compute(StateSpace, ReadOnlySpan{double})"/>,
/// or the empirical frequencies of samples) — and their difference.
/// </summary>
public static class DagEdgeMarginals
{
    /// <summary>The edge marginals of a distribution over DAGs.</summary>
    /// <param name="nodes">The number of nodes d.</param>
    /// <param name="terminalStates">The DAGs, flattened: either <see cref="DagEnvironment"/> states (2·d² integers each) or
    /// bare adjacencies (d² integers each); entry i·d + j ≠ 0 means i → j.</param>
    /// <param name="probabilities">p(G) for each DAG: finite, non-negative, summing to 1 (within 1e-6).</param>
    /// <returns>d·d marginals, entry i·d + j = P(i → j); their sum is the expected number of edges.</returns>
    public static double[] Compute(int nodes, ReadOnlySpan<int> terminalStates, ReadOnlySpan<double> probabilities)
    {
        if (nodes < 1 || nodes > DagEnvironment.MaxNodes)
            throw new ArgumentOutOfRangeException(nameof(nodes), nodes, $"nodes must lie in 1..{DagEnvironment.MaxNodes}.");
        int square = nodes * nodes, count = probabilities.Length;
        int width = terminalStates.Length == count * 2 * square ? 2 * square
            : terminalStates.Length == count * square ? square
            : throw new ArgumentException($"Expected {count} DAGs of {2 * square} (state) or {square} (adjacency) integers for {count} probabilities; got {terminalStates.Length} integers.", nameof(terminalStates));
        double total = 0;
        for (int g = 0; g < count; g++)
        {
            double p = probabilities[g];
            if (!(p >= 0) || double.IsInfinity(p))
                throw new ArgumentException($"Probability {g} is {p}; probabilities must be finite and non-negative.", nameof(probabilities));
            total += p;
        }
        if (count == 0 || Math.Abs(total - 1) > 1e-6)
            throw new ArgumentException($"The probabilities must sum to 1 (within 1e-6); they sum to {total}.", nameof(probabilities));
        var marginals = new double[square];
        for (int g = 0; g < count; g++)
        {
            double p = probabilities[g];
            if (p == 0) continue;
            var adjacency = terminalStates.Slice(g * width, square);
            for (int k = 0; k < square; k++) if (adjacency[k] != 0) marginals[k] += p;
        }
        return marginals;
    }

    /// <summary>The edge marginals of a distribution over the terminal states of an enumerated structure-learning space.</summary>
    /// <param name="space">The state space of a <see cref="DagEnvironment"/>.</param>
    /// <param name="probabilities">p(G) aligned with <see cref="StateSpace.Terminals"/> (e.g. its <see cref="StateSpace.TargetDistribution"/>).</param>
    public static double[] Compute(StateSpace space, ReadOnlySpan<double> probabilities)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (space.Environment is not DagEnvironment dag)
            throw new ArgumentException($"Edge marginals need a 'dag' state space; got '{space.Environment.Name}'.", nameof(space));
        if (probabilities.Length != space.Terminals.Length)
            throw new ArgumentException($"Expected {space.Terminals.Length} probabilities (one per terminal state); got {probabilities.Length}.", nameof(probabilities));
        int width = dag.StateWidth;
        var states = new int[space.Terminals.Length * width];
        for (int t = 0; t < space.Terminals.Length; t++) space.State(space.Terminals[t]).CopyTo(states.AsSpan(t * width));
        return Compute(dag.Nodes, states, probabilities);
    }

    /// <summary>The mean and largest absolute difference between two marginal matrices, over the d(d − 1) off-diagonal
    /// entries (the diagonal is 0 in both).</summary>
    /// <param name="nodes">The number of nodes d (at least 2).</param>
    /// <param name="expected">The reference marginals (e.g. the exact posterior's), d·d.</param>
    /// <param name="actual">The marginals to compare (e.g. the sampler's), d·d.</param>
    public static EdgeMarginalDifference Difference(int nodes, ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        if (nodes < 2 || nodes > DagEnvironment.MaxNodes)
            throw new ArgumentOutOfRangeException(nameof(nodes), nodes, $"nodes must lie in 2..{DagEnvironment.MaxNodes} (one node has no possible edge).");
        int square = nodes * nodes;
        if (expected.Length != square || actual.Length != square)
            throw new ArgumentException($"Both marginal matrices must have {square} entries; got {expected.Length} and {actual.Length}.");
        double sum = 0, max = 0;
        for (int i = 0; i < nodes; i++)
            for (int j = 0; j < nodes; j++)
            {
                if (i == j) continue;
                double difference = Math.Abs(expected[i * nodes + j] - actual[i * nodes + j]);
                if (double.IsNaN(difference))
                    throw new ArgumentException($"Marginal ({i}, {j}) is NaN.");
                sum += difference;
                max = Math.Max(max, difference);
            }
        return new EdgeMarginalDifference(sum / (square - nodes), max);
    }
}

/// <summary>How far two edge-marginal matrices are apart (<see cref="DagEdgeMarginals.Difference"/>).</summary>
/// <param name="MeanAbsolute">The mean absolute difference over the off-diagonal entries.</param>
/// <param name="MaxAbsolute">The largest absolute difference.</param>
public readonly record struct EdgeMarginalDifference(double MeanAbsolute, double MaxAbsolute);
