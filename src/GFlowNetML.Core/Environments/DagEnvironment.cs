using System.Globalization;
using GFlowNetML.Rewards;

namespace GFlowNetML.Environments;

/// <summary>
/// Bayesian-network structure learning (Deleu et al. 2022; the policy-gradient GFlowNet paper's BN task, algorithm note
/// §4.1): states are DAGs over d nodes built from the empty graph by adding one edge at a time; every DAG is terminal,
/// and log R(G) = BGe(G) − BGe(∅) (<see cref="BGeScore"/>, uniform structure prior).
/// </summary>
/// <remarks>
/// <para><b>State</b> (2·d² integers): the adjacency flags (entry i·d + j = 1 for the edge i → j), then the transitive
/// closure flags (entry i·d + j = 1 when a path i → … → j exists). <see cref="Step"/> updates the closure incrementally
/// (adding i → j: every node that is i or reaches i now reaches j and every node j reaches); the masks read it directly.
/// Deletion is not incremental: <see cref="BackwardStep"/> recomputes, by a search over the remaining edges, the closure
/// rows of i and of every node that reaches i (the only rows that can change).</para>
/// <para><b>Actions</b>: d² + 1 forward actions, a = i·d + j adds i → j (allowed when i ≠ j, the edge is absent and j does
/// not reach i, so the graph stays acyclic), and the exit d², allowed everywhere. d² backward actions, b = i·d + j
/// removes i → j (allowed when the edge is present). <b>Encoding</b>: the adjacency flags as d² floats.</para>
/// <para>For d ≤ <see cref="MaxEnumeratedNodes"/> the DAGs are enumerated (1, 3, 25, 543, 29,281 for d = 1..5), so exact
/// evaluation works; <see cref="DagEdgeMarginals"/> turns a distribution over them into edge marginals.</para>
/// </remarks>
public sealed class DagEnvironment : GFlowNetEnvironment
{
    /// <summary>The largest number of nodes.</summary>
    public const int MaxNodes = 20;

    /// <summary>The declared parameters (<c>nodes</c>, <c>edges</c>, <c>samples</c>, <c>noise</c>, <c>data-seed</c>,
    /// <c>data</c>) with their defaults and ranges.</summary>
    public static EnvironmentDeclaration Declaration => DagDeclaration.Value;

    /// <summary>The largest number of nodes for which <see cref="EnumerateStates"/> enumerates the DAGs (29,281 for 5 nodes;
    /// 6 nodes would be 3,781,503 states of 72 integers).</summary>
    public const int MaxEnumeratedNodes = 5;

    private readonly IReadOnlyDictionary<string, string>? _parameters;
    private readonly string _description;
    private readonly int _d, _square;

    /// <summary>Creates the environment over a BGe score (for a user's data matrix; <see cref="Parameters"/> is <c>null</c>).</summary>
    /// <param name="score">The score; its variable count is the number of nodes, 1..<see cref="MaxNodes"/>.</param>
    public DagEnvironment(BGeScore score) : this(score, null, null, null)
    {
    }

    private DagEnvironment(BGeScore score, LinearGaussianData? generated, DagData? data, string? csvPath)
    {
        ArgumentNullException.ThrowIfNull(score);
        if (score.Variables > MaxNodes)
            throw new ArgumentOutOfRangeException(nameof(score), score.Variables, $"The structure-learning environment supports 1..{MaxNodes} nodes.");
        Score = score;
        GeneratingData = generated;
        _d = score.Variables;
        _square = _d * _d;
        NodeNames = data?.NodeNames ?? Enumerable.Range(0, _d).Select(i => "X" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        string alphas = FormattableString.Invariant($"alpha_mu={score.AlphaMu:R}, alpha_w={score.AlphaW:R}");
        if (generated is not null)
        {
            _parameters = EnvironmentCatalog.Invariant(("nodes", generated.Nodes), ("expected_edges", generated.ExpectedEdges),
                ("samples", generated.Samples), ("seed", generated.Seed), ("noise", generated.Noise), ("alpha_mu", score.AlphaMu), ("alpha_w", score.AlphaW));
            _description = FormattableString.Invariant(
                $"dag(nodes={_d}, expected_edges={generated.ExpectedEdges:R}, samples={generated.Samples}, seed={generated.Seed}, noise={generated.Noise:R}, {alphas})");
        }
        else
        {
            if (csvPath is not null)
                _parameters = EnvironmentCatalog.Invariant(("data", csvPath), ("alpha_mu", score.AlphaMu), ("alpha_w", score.AlphaW));
            // The scatter matrix R and N determine every reward, so their fingerprint tells two data sets apart.
            _description = FormattableString.Invariant($"dag(nodes={_d}, samples={score.Samples}, data={csvPath ?? "matrix"}, {alphas}, r={Fingerprint(score):x16})");
        }
    }

    /// <summary>The paper's default task, or a variant: data from <see cref="LinearGaussianData"/> scored by BGe.</summary>
    /// <param name="nodes">The number of nodes d, 1..<see cref="MaxNodes"/> (default 5).</param>
    /// <param name="expectedEdges">The expected number of edges of the true graph (default 5).</param>
    /// <param name="samples">The number of samples N (default 100).</param>
    /// <param name="seed">The data seed (default 0).</param>
    /// <param name="noise">The noise standard deviation (default 0.1).</param>
    /// <param name="alphaMu">BGe α_μ (default 1).</param>
    /// <param name="alphaW">BGe α_w (default d + 2).</param>
    public static DagEnvironment FromLinearGaussian(int nodes = 5, double expectedEdges = 5, int samples = 100, long seed = 0,
        double noise = 0.1, double alphaMu = 1.0, double? alphaW = null)
    {
        if (nodes < 1 || nodes > MaxNodes) throw new ArgumentOutOfRangeException(nameof(nodes), nodes, $"nodes must lie in 1..{MaxNodes}.");
        var generated = new LinearGaussianData(nodes, expectedEdges, samples, seed, noise);
        return new DagEnvironment(new BGeScore(generated.CopyData(), alphaMu, alphaW), generated, null, null);
    }

    /// <summary>Scores DAGs over the columns of a user's data matrix (<see cref="Parameters"/> is <c>null</c>).</summary>
    /// <param name="data">The data (at least 2 rows, 1..<see cref="MaxNodes"/> columns).</param>
    /// <param name="alphaMu">BGe α_μ (default 1).</param>
    /// <param name="alphaW">BGe α_w (default d + 2).</param>
    /// <param name="nodes">The number of nodes the caller expects, checked against the column count; <c>null</c> takes the data's.</param>
    public static DagEnvironment FromData(DagData data, double alphaMu = 1.0, double? alphaW = null, int? nodes = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckColumns(data, nodes);
        return new DagEnvironment(new BGeScore(data.CopyValues(), alphaMu, alphaW), null, data, null);
    }

    /// <summary>Scores DAGs over the columns of a CSV file (<see cref="DagData.ReadCsv"/>); <see cref="Parameters"/> holds the path.</summary>
    /// <param name="path">The CSV file (at least 2 data rows, 1..<see cref="MaxNodes"/> columns).</param>
    /// <param name="alphaMu">BGe α_μ (default 1).</param>
    /// <param name="alphaW">BGe α_w (default d + 2).</param>
    /// <param name="nodes">The number of nodes the caller expects, checked against the column count; <c>null</c> takes the file's.</param>
    public static DagEnvironment FromCsv(string path, double alphaMu = 1.0, double? alphaW = null, int? nodes = null)
    {
        var data = DagData.ReadCsv(path);
        CheckColumns(data, nodes);
        return new DagEnvironment(new BGeScore(data.CopyValues(), alphaMu, alphaW), null, data, path);
    }

    /// <summary>What <see cref="EnvironmentCatalog"/> calls: <c>data</c> (a CSV path; with <c>nodes</c>, checked against its
    /// columns) or the generator's <c>nodes</c>,
    /// <c>expected_edges</c>, <c>samples</c>, <c>seed</c>, <c>noise</c> (each defaulting to the paper's task), and
    /// optionally <c>alpha_mu</c>, <c>alpha_w</c>.</summary>
    internal static DagEnvironment FromCatalog(EnvironmentCatalog.ParameterReader p)
    {
        double alphaMu = p.Optional("alpha_mu") is null ? 1.0 : p.Double("alpha_mu");
        double? alphaW = p.Optional("alpha_w") is null ? null : p.Double("alpha_w");
        if (p.Optional("data") is string path) return FromCsv(path, alphaMu, alphaW, p.Optional("nodes") is null ? null : p.Int("nodes"));
        return FromLinearGaussian(
            p.Optional("nodes") is null ? 5 : p.Int("nodes"),
            p.Optional("expected_edges") is null ? 5 : p.Double("expected_edges"),
            p.Optional("samples") is null ? 100 : p.Int("samples"),
            p.Optional("seed") is null ? 0 : p.Long("seed"),
            p.Optional("noise") is null ? 0.1 : p.Double("noise"),
            alphaMu, alphaW);
    }

    /// <summary>The number of nodes d.</summary>
    public int Nodes => _d;

    /// <summary>The node names (from the CSV header, else X0, X1, …).</summary>
    public IReadOnlyList<string> NodeNames { get; }

    /// <summary>The BGe score the rewards come from.</summary>
    public BGeScore Score { get; }

    /// <summary>The generated data and its true graph, when the environment was made by <see cref="FromLinearGaussian"/>.</summary>
    public LinearGaussianData? GeneratingData { get; }

    /// <inheritdoc/>
    public override string Name => "dag";

    /// <summary>0: the DAG task has no modes (its quality is the distance to the exact posterior and the edge marginals).</summary>
    public override long? TotalModes => 0;

    /// <inheritdoc/>
    public override string Description => _description;

    /// <summary>For generated data: <c>nodes</c>, <c>expected_edges</c>, <c>samples</c>, <c>seed</c>, <c>noise</c>,
    /// <c>alpha_mu</c>, <c>alpha_w</c>; for a CSV file: <c>data</c> (the path), <c>alpha_mu</c>, <c>alpha_w</c>;
    /// <c>null</c> for a matrix given in code.</summary>
    public override IReadOnlyDictionary<string, string>? Parameters => _parameters;

    /// <inheritdoc/>
    public override int StateWidth => 2 * _square;

    /// <inheritdoc/>
    public override int ActionCount => _square + 1;

    /// <inheritdoc/>
    public override int BackwardActionCount => _square;

    /// <inheritdoc/>
    public override int EncodingWidth => _square;

    /// <summary>d(d − 1)/2 edges (a complete DAG) plus the exit.</summary>
    public override int MaxTrajectoryLength => _d * (_d - 1) / 2 + 1;

    /// <summary>The guide of the paper for RL-G: <see cref="Guides.DagGuide"/> with its defaults (no exit where log R ≤ 75).</summary>
    public override Guides.GFlowNetGuide DefaultGuide => new Guides.DagGuide(this);

    /// <inheritdoc/>
    public override void WriteInitialState(Span<int> state) => state[..StateWidth].Clear();

    /// <inheritdoc/>
    public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
    {
        int batch = BatchOf(states), width = StateWidth, actions = ActionCount, d = _d;
        for (int s = 0; s < batch; s++)
        {
            var adjacency = states.Slice(s * width, _square);
            var closure = states.Slice(s * width + _square, _square);
            var mask = masks.Slice(s * actions, actions);
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                    mask[i * d + j] = i != j && adjacency[i * d + j] == 0 && closure[j * d + i] == 0;
            mask[_square] = true;
        }
    }

    /// <inheritdoc/>
    public override void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
    {
        int batch = BatchOf(states), width = StateWidth;
        for (int s = 0; s < batch; s++)
            for (int k = 0; k < _square; k++) masks[s * _square + k] = states[s * width + k] != 0;
    }

    /// <inheritdoc/>
    public override void Step(Span<int> states, ReadOnlySpan<int> actions)
    {
        int batch = BatchOf(states), width = StateWidth, d = _d;
        for (int s = 0; s < batch; s++)
        {
            int action = actions[s];
            if (action == _square) continue;
            var state = states.Slice(s * width, width);
            var adjacency = state[.._square];
            var closure = state[_square..];
            int i = (uint)action < (uint)_square ? action / d : -1, j = action - i * d;
            if (i < 0 || i == j || adjacency[action] != 0 || closure[j * d + i] != 0)
                throw new ArgumentException($"Action {action}{EdgeText(action)} is not allowed in state {Format(state)}.", nameof(actions));
            adjacency[action] = 1;
            // Every a that is i or reaches i now reaches j and everything j reaches (row j itself is not written: j does not reach i).
            for (int a = 0; a < d; a++)
            {
                if (a != i && closure[a * d + i] == 0) continue;
                closure[a * d + j] = 1;
                for (int b = 0; b < d; b++) if (closure[j * d + b] != 0) closure[a * d + b] = 1;
            }
        }
    }

    /// <inheritdoc/>
    public override void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions)
    {
        int batch = BatchOf(states), width = StateWidth, d = _d;
        Span<int> children = stackalloc int[d];
        for (int s = 0; s < batch; s++)
        {
            int action = backwardActions[s];
            var state = states.Slice(s * width, width);
            if ((uint)action >= (uint)_square || state[action] == 0)
                throw new ArgumentException($"Backward action {action}{EdgeText(action)} is not allowed in state {Format(state)}.", nameof(backwardActions));
            int i = action / d;
            state[action] = 0;
            var closure = state[_square..];
            DagClosure.ChildMasks(state[.._square], d, children);
            // Only i and the nodes that reach i can lose reachability; the nodes reaching i are unchanged by the removal.
            for (int a = 0; a < d; a++)
            {
                if (a != i && closure[a * d + i] == 0) continue;
                int reach = DagClosure.ReachableFrom(children, a);
                for (int b = 0; b < d; b++) closure[a * d + b] = reach >> b & 1;
            }
        }
    }

    /// <inheritdoc/>
    public override void ToBackwardActions(ReadOnlySpan<int> parents, ReadOnlySpan<int> actions, Span<int> backwardActions)
        => actions[..BatchOf(parents)].CopyTo(backwardActions);

    /// <inheritdoc/>
    public override void ToForwardActions(ReadOnlySpan<int> children, ReadOnlySpan<int> backwardActions, Span<int> actions)
        => backwardActions[..BatchOf(children)].CopyTo(actions);

    /// <inheritdoc/>
    public override void Encode(ReadOnlySpan<int> states, Span<float> features)
    {
        int batch = BatchOf(states), width = StateWidth;
        for (int s = 0; s < batch; s++)
            for (int k = 0; k < _square; k++) features[s * _square + k] = states[s * width + k];
    }

    /// <summary>log R(G) = BGe(G) − BGe(∅) for each state (every DAG is terminal).</summary>
    public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards)
    {
        int batch = BatchOf(states), width = StateWidth, d = _d;
        Span<int> parents = stackalloc int[d];
        for (int s = 0; s < batch; s++)
        {
            parents.Clear();
            var adjacency = states.Slice(s * width, _square);
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                    if (adjacency[i * d + j] != 0) parents[j] |= 1 << i;
            logRewards[s] = Score.RelativeScoreOf(parents);
        }
    }

    /// <summary>All DAGs over d ≤ <see cref="MaxEnumeratedNodes"/> nodes with their closures, by edge count (a topological
    /// order), then adjacency bit mask; <c>null</c> for more nodes.</summary>
    public override int[]? EnumerateStates() => _d <= MaxEnumeratedNodes ? DagEnumeration.States(_d) : null;

    /// <summary>The edge list, e.g. <c>{0→2, 1→2}</c> (<c>{}</c> for the empty graph).</summary>
    public override string Format(ReadOnlySpan<int> state)
    {
        if (state.Length < _square) return base.Format(state);
        var edges = new List<string>();
        for (int i = 0; i < _d; i++)
            for (int j = 0; j < _d; j++)
                if (state[i * _d + j] != 0) edges.Add(i.ToString(CultureInfo.InvariantCulture) + "→" + j.ToString(CultureInfo.InvariantCulture));
        return "{" + string.Join(", ", edges) + "}";
    }

    /// <summary>The state (adjacency and closure) of a DAG given by its adjacency flags.</summary>
    /// <param name="adjacency">d·d flags, 0 or 1 (entry i·d + j: i → j), no self-loop, acyclic.</param>
    public int[] StateOf(ReadOnlySpan<int> adjacency)
    {
        if (adjacency.Length != _square)
            throw new ArgumentException($"An adjacency over {_d} nodes has {_square} entries; got {adjacency.Length}.", nameof(adjacency));
        var state = new int[StateWidth];
        for (int k = 0; k < _square; k++)
        {
            if (adjacency[k] != 0 && adjacency[k] != 1)
                throw new ArgumentException($"Adjacency entries must be 0 or 1; entry ({k / _d}, {k % _d}) is {adjacency[k]}.", nameof(adjacency));
            if (adjacency[k] == 1 && k / _d == k % _d)
                throw new ArgumentException($"The adjacency has the self-loop {k / _d}→{k / _d}.", nameof(adjacency));
            state[k] = adjacency[k];
        }
        Span<int> children = stackalloc int[_d];
        DagClosure.ChildMasks(adjacency, _d, children);
        if (!DagClosure.IsAcyclic(children))
            throw new ArgumentException($"The graph {Format(state)} has a directed cycle.", nameof(adjacency));
        DagClosure.FromAdjacency(adjacency, _d, state.AsSpan(_square));
        return state;
    }

    private string EdgeText(int action)
        => (uint)action < (uint)_square ? FormattableString.Invariant($" (edge {action / _d}→{action % _d})") : "";

    private static void CheckColumns(DagData data, int? nodes)
    {
        if (nodes is int expected && data.Columns != expected)
            throw new ArgumentException($"{data.Source} has {data.Columns} columns, but {expected} nodes were asked for; the data needs one column per node.", nameof(data));
        if (data.Columns > MaxNodes)
            throw new ArgumentException($"The data has {data.Columns} columns; the structure-learning environment supports 1..{MaxNodes} nodes.", nameof(data));
    }

    private static ulong Fingerprint(BGeScore score)
    {
        ulong hash = 14695981039346656037UL;   // FNV-1a over N and the bits of R
        void Add(ulong value)
        {
            for (int k = 0; k < 8; k++) { hash ^= (value >> (8 * k)) & 0xFF; hash *= 1099511628211UL; }
        }
        Add((ulong)score.Samples);
        for (int i = 0; i < score.Variables; i++)
            for (int j = 0; j < score.Variables; j++) Add((ulong)BitConverter.DoubleToInt64Bits(score.ScatterMatrix(i, j)));
        return hash;
    }
}
