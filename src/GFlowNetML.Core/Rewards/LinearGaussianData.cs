using GFlowNetML.Sampling;

namespace GFlowNetML.Rewards;

/// <summary>
/// Seeded synthetic data for Bayesian-network structure learning, following the recipe of the policy-gradient GFlowNet
/// paper's task (algorithm note §4.1, §8): an Erdős–Rényi DAG with edge probability
/// p = expected edges / (d(d−1)/2) over a random node order, edge weights ~ N(0, 1), no bias, and every node (roots
/// included) x_j = Σ_{i→j} w_ij·x_i + σ·ε with ε ~ N(0, 1) and σ the noise standard deviation (default 0.1).
/// </summary>
/// <remarks>
/// The draws come from <see cref="GFlowNetRandom"/> in a fixed order (the node order by Fisher–Yates, then for each pair
/// of positions u &lt; v an edge coin and, for an edge, its weight, then the samples row by row in topological order),
/// with normal variates from the Box–Muller transform. Equal arguments give equal data; the numbers differ from the
/// authors' numpy generator, whose stream cannot be reproduced here.
/// </remarks>
public sealed class LinearGaussianData
{
    /// <summary>The largest number of nodes.</summary>
    public const int MaxNodes = 20;

    private readonly int[] _adjacency;
    private readonly double[] _weights;
    private readonly int[] _order;
    private readonly double[,] _data;

    /// <summary>Generates a graph and samples from it.</summary>
    /// <param name="nodes">The number of nodes d, 1..<see cref="MaxNodes"/> (default 5).</param>
    /// <param name="expectedEdges">The expected number of edges, in [0, d(d−1)/2] (default 5).</param>
    /// <param name="samples">The number of samples N, at least 2 (default 100).</param>
    /// <param name="seed">The seed (default 0).</param>
    /// <param name="noise">The noise standard deviation σ, finite and non-negative (default 0.1).</param>
    public LinearGaussianData(int nodes = 5, double expectedEdges = 5, int samples = 100, long seed = 0, double noise = 0.1)
    {
        if (nodes < 1 || nodes > MaxNodes) throw new ArgumentOutOfRangeException(nameof(nodes), nodes, $"nodes must lie in 1..{MaxNodes}.");
        double pairs = nodes * (nodes - 1) / 2.0;
        if (!(expectedEdges >= 0 && expectedEdges <= pairs))
            throw new ArgumentOutOfRangeException(nameof(expectedEdges), expectedEdges, $"expectedEdges must lie in [0, d(d−1)/2] = [0, {pairs}] for {nodes} nodes.");
        if (samples < 2) throw new ArgumentOutOfRangeException(nameof(samples), samples, "samples must be at least 2.");
        if (!(noise >= 0) || double.IsInfinity(noise)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "noise must be a finite number of at least 0.");
        Nodes = nodes;
        ExpectedEdges = expectedEdges;
        Samples = samples;
        Seed = seed;
        Noise = noise;
        EdgeProbability = pairs == 0 ? 0 : expectedEdges / pairs;

        var random = new GFlowNetRandom(seed);
        _order = new int[nodes];
        for (int i = 0; i < nodes; i++) _order[i] = i;
        for (int i = nodes - 1; i > 0; i--)
        {
            int k = random.NextInt(i + 1);
            (_order[i], _order[k]) = (_order[k], _order[i]);
        }

        _adjacency = new int[nodes * nodes];
        _weights = new double[nodes * nodes];
        for (int u = 0; u < nodes; u++)
            for (int v = u + 1; v < nodes; v++)
            {
                if (!(random.NextDouble() < EdgeProbability)) continue;
                int from = _order[u], to = _order[v];
                _adjacency[from * nodes + to] = 1;
                _weights[from * nodes + to] = NextNormal(random);
            }

        _data = new double[samples, nodes];
        for (int r = 0; r < samples; r++)
            foreach (int j in _order)
            {
                double value = noise * NextNormal(random);
                for (int i = 0; i < nodes; i++)
                    if (_adjacency[i * nodes + j] != 0) value += _weights[i * nodes + j] * _data[r, i];
                _data[r, j] = value;
            }
    }

    /// <summary>The number of nodes d.</summary>
    public int Nodes { get; }

    /// <summary>The expected number of edges.</summary>
    public double ExpectedEdges { get; }

    /// <summary>The Erdős–Rényi edge probability p = expected edges / (d(d−1)/2).</summary>
    public double EdgeProbability { get; }

    /// <summary>The number of samples N.</summary>
    public int Samples { get; }

    /// <summary>The seed.</summary>
    public long Seed { get; }

    /// <summary>The noise standard deviation σ.</summary>
    public double Noise { get; }

    /// <summary>The true DAG, d·d flags: entry i·d + j = 1 means the edge i → j.</summary>
    public IReadOnlyList<int> TrueAdjacency => _adjacency;

    /// <summary>The edge weights w_ij, d·d (0 where there is no edge).</summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <summary>The random node order the graph respects (every edge goes from an earlier to a later node of this list).</summary>
    public IReadOnlyList<int> TopologicalOrder => _order;

    /// <summary>The number of edges of the true DAG.</summary>
    public int TrueEdgeCount => _adjacency.Sum();

    /// <summary>A copy of the data matrix, N rows × d columns.</summary>
    public double[,] CopyData() => (double[,])_data.Clone();

    /// <summary>A standard normal variate by the Box–Muller transform (one variate per two uniforms; u1 in (0, 1]).</summary>
    private static double NextNormal(GFlowNetRandom random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
