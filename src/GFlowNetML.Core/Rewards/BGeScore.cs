using System.Collections.Concurrent;

namespace GFlowNetML.Rewards;

/// <summary>
/// The BGe score (Bayesian Gaussian equivalent; Geiger and Heckerman 1994, in the corrected form of Kuipers, Moffa and
/// Heckerman 2014) of a DAG over the columns of a data matrix, as the authors of the policy-gradient GFlowNet paper compute
/// it for their Bayesian-network task (algorithm note §8): a log marginal likelihood that decomposes over the nodes,
/// BGe(G) = Σ_j local(j, Pa_j), under a uniform structure prior.
/// </summary>
/// <remarks>
/// <para>With n variables, N rows, data mean x̄ and the defaults α_μ = 1, α_w = n + 2:
/// t = α_μ(α_w − n − 1)/(α_μ + 1), T = t·I, ν = 0 and
/// R = T + (X − x̄)ᵀ(X − x̄) + (N·α_μ/(N + α_μ))·(x̄ − ν)(x̄ − ν)ᵀ — the scatter matrix (not divided by N) of the raw data
/// (no centring or standardisation of the input). For node j with l parents Pa:</para>
/// <para>local(j, Pa) = ½(log α_μ − log(N + α_μ)) + lgamma((N + α_w − n + l + 1)/2) − lgamma((α_w − n + l + 1)/2)
/// − ½N·log π + ½(α_w − n + 2l + 1)·log t + ½(N + α_w − n + l)·logdet R[Pa,Pa]
/// − ½(N + α_w − n + l + 1)·logdet R[Pa∪j, Pa∪j], with logdet R[∅,∅] = 0.</para>
/// <para>Everything is computed in float64 (the reference code's float32 cast moves log-rewards by about 2e-5);
/// log-determinants come from a Cholesky factorisation (the submatrices of R are symmetric positive definite).
/// Local scores are cached per (node, parent set), so the score change of adding an edge i→j costs one new local score
/// at most. The instance is thread-safe.</para>
/// </remarks>
public sealed class BGeScore
{
    /// <summary>The largest number of variables (parent sets are bit masks of an <see cref="int"/>).</summary>
    public const int MaxVariables = 30;

    private readonly double[] _r;                      // R, n × n row-major
    private readonly double[] _logGammaTerm;           // by parent count l = 0..n−1
    private readonly double[] _emptyLocal;             // local(j, ∅)
    private readonly ConcurrentDictionary<long, double> _cache = new();

    /// <summary>Scores DAGs over the columns of a data matrix.</summary>
    /// <param name="data">The data, N rows (samples) × n columns (variables), with N ≥ 2 and 1 ≤ n ≤ <see cref="MaxVariables"/>;
    /// every value finite. Used as given (no centring or scaling).</param>
    /// <param name="alphaMu">α_μ, the prior's pseudo-count for the mean (positive; default 1).</param>
    /// <param name="alphaW">α_w, the Wishart degrees of freedom (greater than n + 1; default n + 2).</param>
    /// <exception cref="ArgumentException">The data has fewer than 2 rows, no or too many columns, a NaN/∞ (row and column
    /// named), or values whose scatter matrix overflows or is not numerically positive definite (e.g. values near 1e200, or
    /// duplicate columns at a scale where the prior's t·I is lost).</exception>
    /// <exception cref="ArgumentOutOfRangeException">α_μ or α_w is out of range.</exception>
    public BGeScore(double[,] data, double alphaMu = 1.0, double? alphaW = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        int rows = data.GetLength(0), n = data.GetLength(1);
        if (rows < 2) throw new ArgumentException($"The BGe score needs at least 2 rows of data; got {rows}.", nameof(data));
        if (n < 1 || n > MaxVariables) throw new ArgumentException($"The data must have 1 to {MaxVariables} columns (variables); got {n}.", nameof(data));
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < n; c++)
                if (!double.IsFinite(data[r, c]))
                    throw new ArgumentException($"The data value at row {r}, column {c} is {data[r, c]}; every value must be finite.", nameof(data));
        if (!(alphaMu > 0) || double.IsInfinity(alphaMu))
            throw new ArgumentOutOfRangeException(nameof(alphaMu), alphaMu, "alphaMu must be a finite number greater than 0.");
        double w = alphaW ?? n + 2;
        if (!(w > n + 1) || double.IsInfinity(w))
            throw new ArgumentOutOfRangeException(nameof(alphaW), w, $"alphaW must be a finite number greater than n + 1 = {n + 1} (so that t > 0).");

        Variables = n;
        Samples = rows;
        AlphaMu = alphaMu;
        AlphaW = w;
        T = alphaMu * (w - n - 1) / (alphaMu + 1);
        _r = BuildR(data, alphaMu, T);
        // Checked here, not mid-training: every principal submatrix of a positive-definite R is positive definite, so a
        // score that passes this never fails on a parent set later.
        double largest = 0;
        foreach (double v in data) largest = Math.Max(largest, Math.Abs(v));
        string advice = FormattableString.Invariant($"the data's largest |value| is {largest:G3}; standardise each column (subtract its mean, divide by its standard deviation) and drop duplicate or constant columns");
        if (_r.Any(v => !double.IsFinite(v)))
            throw new ArgumentException($"The BGe scatter matrix of the data overflows: {advice}.", nameof(data));
        try { BGeMath.LogDeterminant(_r, n, [.. Enumerable.Range(0, n)]); }
        catch (InvalidOperationException)
        {
            throw new ArgumentException($"The BGe scatter matrix of the data is not numerically positive definite: {advice}.", nameof(data));
        }

        _logGammaTerm = new double[n];
        for (int l = 0; l < n; l++)
            _logGammaTerm[l] = 0.5 * (Math.Log(alphaMu) - Math.Log(rows + alphaMu))
                + BGeMath.LogGamma(0.5 * (rows + w - n + l + 1))
                - BGeMath.LogGamma(0.5 * (w - n + l + 1))
                - 0.5 * rows * Math.Log(Math.PI)
                + 0.5 * (w - n + 2 * l + 1) * Math.Log(T);

        _emptyLocal = new double[n];
        double empty = 0;
        for (int j = 0; j < n; j++) empty += _emptyLocal[j] = CachedLocalScore(j, 0);
        EmptyGraphScore = empty;
    }

    /// <summary>The number of variables n (columns of the data, nodes of the graphs).</summary>
    public int Variables { get; }

    /// <summary>The number of samples N (rows of the data).</summary>
    public int Samples { get; }

    /// <summary>α_μ, the prior pseudo-count for the mean.</summary>
    public double AlphaMu { get; }

    /// <summary>α_w, the Wishart degrees of freedom.</summary>
    public double AlphaW { get; }

    /// <summary>t = α_μ(α_w − n − 1)/(α_μ + 1), the scale of the prior precision T = t·I.</summary>
    public double T { get; }

    /// <summary>BGe(∅), the score of the graph without edges (the reference of <see cref="RelativeScore"/>).</summary>
    public double EmptyGraphScore { get; }

    /// <summary>The posterior scatter matrix R[i, j] (symmetric positive definite).</summary>
    public double ScatterMatrix(int i, int j)
    {
        if ((uint)i >= (uint)Variables) throw new ArgumentOutOfRangeException(nameof(i), i, $"i must lie in 0..{Variables - 1}.");
        if ((uint)j >= (uint)Variables) throw new ArgumentOutOfRangeException(nameof(j), j, $"j must lie in 0..{Variables - 1}.");
        return _r[i * Variables + j];
    }

    /// <summary>The local score of a node given its parent set (cached).</summary>
    /// <param name="node">The node j, in 0..n−1.</param>
    /// <param name="parentMask">The parents as a bit mask (bit i set: i → j); must not contain <paramref name="node"/>.</param>
    public double LocalScore(int node, int parentMask)
    {
        if ((uint)node >= (uint)Variables) throw new ArgumentOutOfRangeException(nameof(node), node, $"node must lie in 0..{Variables - 1}.");
        if (parentMask < 0 || parentMask >> Variables != 0)
            throw new ArgumentOutOfRangeException(nameof(parentMask), parentMask, $"parentMask must only use bits 0..{Variables - 1}.");
        if ((parentMask >> node & 1) != 0)
            throw new ArgumentException($"Node {node} cannot be its own parent (parent mask {parentMask}).", nameof(parentMask));
        return CachedLocalScore(node, parentMask);
    }

    /// <summary>BGe(G) = Σ_j local(j, Pa_j) of a graph given as its flattened adjacency matrix.</summary>
    /// <param name="adjacency">n·n flags, 0 or 1; entry i·n + j = 1 means the edge i → j (so the parents of j are column j).
    /// The diagonal must be zero and the graph acyclic.</param>
    public double Score(ReadOnlySpan<int> adjacency) => ScoreOf(CheckedParentMasks(adjacency));

    /// <summary>BGe(G) − BGe(∅): the log-reward log R(G) of the structure-learning environment (uniform structure prior).</summary>
    /// <param name="adjacency">As for <see cref="Score"/>.</param>
    public double RelativeScore(ReadOnlySpan<int> adjacency) => RelativeScoreOf(CheckedParentMasks(adjacency));

    /// <summary>BGe(G) − BGe(∅) from the parents of each node as bit masks, without validation (the environment's hot path).</summary>
    internal double RelativeScoreOf(ReadOnlySpan<int> parentMasks)
    {
        double sum = 0;
        for (int j = 0; j < parentMasks.Length; j++)
            if (parentMasks[j] != 0) sum += CachedLocalScore(j, parentMasks[j]) - _emptyLocal[j];
        return sum;
    }

    private double ScoreOf(ReadOnlySpan<int> parentMasks)
    {
        double sum = 0;
        for (int j = 0; j < parentMasks.Length; j++) sum += CachedLocalScore(j, parentMasks[j]);
        return sum;
    }

    private int[] CheckedParentMasks(ReadOnlySpan<int> adjacency)
    {
        int n = Variables;
        if (adjacency.Length != n * n)
            throw new ArgumentException($"An adjacency matrix over {n} nodes has {n * n} entries; got {adjacency.Length}.", nameof(adjacency));
        var masks = new int[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                int a = adjacency[i * n + j];
                if (a != 0 && a != 1)
                    throw new ArgumentException($"Adjacency entries must be 0 or 1; entry ({i}, {j}) is {a}.", nameof(adjacency));
                if (a == 1 && i == j)
                    throw new ArgumentException($"The adjacency has the self-loop {i} → {i}.", nameof(adjacency));
                if (a == 1) masks[j] |= 1 << i;
            }
        if (!BGeMath.IsAcyclic(masks))
            throw new ArgumentException("The adjacency matrix has a directed cycle; the BGe score is defined on DAGs.", nameof(adjacency));
        return masks;
    }

    private double CachedLocalScore(int node, int parentMask)
    {
        long key = (long)node << 32 | (uint)parentMask;
        if (_cache.TryGetValue(key, out double value)) return value;
        value = ComputeLocalScore(node, parentMask);
        _cache.TryAdd(key, value);
        return value;
    }

    private double ComputeLocalScore(int node, int parentMask)
    {
        int n = Variables;
        int l = System.Numerics.BitOperations.PopCount((uint)parentMask);
        var indices = new int[l + 1];
        int k = 0;
        for (int i = 0; i < n; i++) if ((parentMask >> i & 1) != 0) indices[k++] = i;
        indices[l] = node;
        double logDetParents = l == 0 ? 0.0 : BGeMath.LogDeterminant(_r, n, indices.AsSpan(0, l));
        double logDetAll = BGeMath.LogDeterminant(_r, n, indices);
        double dof = Samples + AlphaW - n + l;
        return _logGammaTerm[l] + 0.5 * dof * logDetParents - 0.5 * (dof + 1) * logDetAll;
    }

    private static double[] BuildR(double[,] data, double alphaMu, double t)
    {
        int rows = data.GetLength(0), n = data.GetLength(1);
        var mean = new double[n];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < n; c++) mean[c] += data[r, c];
        for (int c = 0; c < n; c++) mean[c] /= rows;
        var result = new double[n * n];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < n; i++)
            {
                double di = data[r, i] - mean[i];
                for (int j = 0; j <= i; j++) result[i * n + j] += di * (data[r, j] - mean[j]);
            }
        double meanWeight = rows * alphaMu / (rows + alphaMu);   // the prior mean ν is 0
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double value = result[i * n + j] + meanWeight * mean[i] * mean[j] + (i == j ? t : 0.0);
                result[i * n + j] = value;
                result[j * n + i] = value;
            }
        return result;
    }
}
