using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Forms;

/// <summary>
/// The structure-learning environment in ONNX. A state is the d² adjacency flags then the d² closure flags. Features: the
/// adjacency as floats. Masks: action a = i·d + j is allowed iff adj[i,j] + closure[j,i] + [i = j] = 0, three gathers by
/// per-action index tables (the exit's entries point at the always-zero diagonal, so its column is always allowed). Step:
/// adj[i,j] = 1 and closure |= (e_i ∨ closure[·,i]) ⊗ (e_j ∨ closure[j,·]), the outer product of the nodes that reach i
/// (with i) and the nodes j reaches (with j), read by <c>GatherElements</c>; the new flags are written by one <c>Where</c>.
/// Log-reward: BGe(G) − BGe(∅) = Σ_j [local(j, Pa_j) − local(j, ∅)] (<see cref="Rewards.BGeScore"/>) without enumerating
/// DAGs: node j's parent set, the other d − 1 nodes' adjacency flags of column j as bits (node i at bit i, or i − 1 after
/// j), indexes a table of d·2^(d−1) local-score differences computed in float64; the d gathered terms are summed in
/// float64 and cast to float.
/// </summary>
internal sealed class DagForm(DagEnvironment environment) : OnnxForm(environment)
{
    private readonly int _d = environment.Nodes, _square = environment.Nodes * environment.Nodes;
    private readonly Rewards.BGeScore _score = environment.Score;

    public override string Name => "dag-v1";

    public override string InitialStates(OnnxGraph g, string batch)
    {
        string shape = g.Node("Concat", [batch, g.Constant("state_width", [(long)(2 * _square)], 1)], null, OnnxAttribute.Int("axis", 0));
        return g.Node("ConstantOfShape", [shape], null, OnnxAttribute.Scalar("value", OnnxType.Int64, BitConverter.GetBytes(0L)));
    }

    public override string Encode(OnnxGraph g, string states)
    {
        string adjacency = g.Node("Slice", [states, g.Constant("slice_start", [0L], 1), g.Constant("slice_end", [(long)_square], 1), g.Constant("axis1", [1L], 1)]);
        return g.Node("Cast", [adjacency], null, OnnxAttribute.Int("to", (long)OnnxType.Float));
    }

    public override string ForwardMask(OnnxGraph g, string states)
    {
        int actions = _square + 1;
        var edge = new long[actions];
        var reverse = new long[actions];
        var loop = new long[actions];
        for (int i = 0; i < _d; i++)
            for (int j = 0; j < _d; j++)
            {
                int a = i * _d + j;
                edge[a] = a;
                reverse[a] = _square + j * _d + i;
                loop[a] = i == j ? 1 : 0;
            }
        edge[_square] = 0;              // adj[0,0]: always 0
        reverse[_square] = _square;     // closure[0,0]: always 0 (acyclic)
        string present = g.Node("Gather", [states, g.Constant("mask_edge", edge, actions)], null, OnnxAttribute.Int("axis", 1));
        string reaches = g.Node("Gather", [states, g.Constant("mask_reverse_path", reverse, actions)], null, OnnxAttribute.Int("axis", 1));
        string blocked = g.Node("Add", [g.Node("Add", [present, reaches]), g.Constant("mask_self_loop", loop, actions)]);
        return g.Node("Equal", [blocked, g.Constant("zero", [0L])]);
    }

    public override string Step(OnnxGraph g, string states, string actions, string active)
    {
        int count = _square + 1;
        var source = new long[count];
        var target = new long[count];
        for (int a = 0; a < _square; a++) { source[a] = a / _d; target[a] = a % _d; }
        var nodes = new long[_d];
        var column = new long[_d];   // d² + b·d: plus i, the index of closure[b, i] (column i)
        var row = new long[_d];      // d² + b: plus j·d, the index of closure[j, b] (row j)
        var edges = new long[_square];
        for (int b = 0; b < _d; b++) { nodes[b] = b; column[b] = _square + b * _d; row[b] = _square + b; }
        for (int e = 0; e < _square; e++) edges[e] = e;

        string axis1 = g.Constant("axis1", [1L], 1);
        string action = g.Node("Unsqueeze", [actions, axis1]);                                    // [N, 1]
        string write = g.Node("And", [g.Node("Unsqueeze", [active, axis1]), g.Node("Less", [action, g.Constant("exit", [(long)_square])])]);
        string i = g.Node("Gather", [g.Constant("edge_source", source, count), action], null, OnnxAttribute.Int("axis", 0));   // [N, 1]
        string j = g.Node("Gather", [g.Constant("edge_target", target, count), action], null, OnnxAttribute.Int("axis", 0));
        string nodeRow = g.Constant("nodes", nodes, _d);
        string one = g.Constant("one", [1L]);

        // u[a] = a = i or a reaches i: closure[a, i] at d² + a·d + i.
        string intoI = g.Node("GatherElements", [states, g.Node("Add", [g.Constant("closure_column", column, _d), i])], null, OnnxAttribute.Int("axis", 1));
        string u = g.Node("Or", [g.Node("Equal", [nodeRow, i]), g.Node("Equal", [intoI, one])]);
        // v[b] = b = j or j reaches b: closure[j, b] at d² + j·d + b.
        string rowStart = g.Node("Mul", [j, g.Constant("node_count", [(long)_d])]);
        string fromJ = g.Node("GatherElements", [states, g.Node("Add", [g.Constant("closure_row", row, _d), rowStart])], null, OnnxAttribute.Int("axis", 1));
        string v = g.Node("Or", [g.Node("Equal", [nodeRow, j]), g.Node("Equal", [fromJ, one])]);

        string outer = g.Node("And", [g.Node("Unsqueeze", [u, g.Constant("axis2", [2L], 1)]), g.Node("Unsqueeze", [v, axis1])]);   // [N, d, d]
        string paths = g.Node("Reshape", [outer, g.Constant("flat", [-1L, _square], 2)]);
        string edge = g.Node("Equal", [action, g.Constant("edges", edges, _square)]);
        string set = g.Node("And", [g.Node("Concat", [edge, paths], null, OnnxAttribute.Int("axis", 1)), write]);
        return g.Node("Where", [set, one, states]);
    }

    public override string EncodingText => $"adjacency: {_d}×{_d} (feature i·{_d} + j is 1 for the edge i→j)";

    public override string ActionText => $"a in 0..{_square - 1}: add the edge (a / {_d}) → (a mod {_d}); {_square}: exit";

    public override string? LogRewardLimit
    {
        get
        {
            double scores = _d * Math.Pow(2, _d - 1);
            return scores <= MaxTableEntries ? null
                : FormattableString.Invariant($"its table of local scores would hold d·2^(d−1) = {scores:G6} entries, more than {MaxTableEntries}.");
        }
    }

    /// <summary>The local-score differences, d·2^(d−1) of them, computed when first emitted.</summary>
    private double[] LocalScores()
    {
        int sets = 1 << (_d - 1);
        var localScores = new double[_d * sets];
        var score = _score;
        for (int j = 0; j < _d; j++)
        {
            double empty = score.LocalScore(j, 0);
            for (int index = 1; index < sets; index++)
                localScores[j * sets + index] = score.LocalScore(j, ParentMask(j, index)) - empty;
        }
        return localScores;
    }

    /// <summary>The parent bit mask over all d nodes of node <paramref name="node"/>'s parent-set index.</summary>
    private static int ParentMask(int node, int index)
    {
        int low = index & ((1 << node) - 1);
        return low | ((index >> node) << (node + 1));
    }

    public override string LogReward(OnnxGraph g, string states)
    {
        int square = _d * _d, sets = 1 << (_d - 1);
        var bit = new long[square];
        var offset = new long[_d];
        for (int i = 0; i < _d; i++)
            for (int j = 0; j < _d; j++)
                bit[i * _d + j] = i == j ? 0 : 1L << (i < j ? i : i - 1);
        for (int j = 0; j < _d; j++) offset[j] = (long)j * sets;
        string axis1 = g.Constant("axis1", [1L], 1);
        string adjacency = g.Node("Slice", [states, g.Constant("slice_start", [0L], 1), g.Constant("slice_end", [(long)square], 1), axis1]);
        string weighted = g.Node("Reshape", [g.Node("Mul", [adjacency, g.Constant("parent_bits", bit, square)]), g.Constant("node_square", [-1L, _d, _d], 3)]);
        string parentSets = g.Node("ReduceSum", [weighted, axis1], null, OnnxAttribute.Int("keepdims", 0));             // [N, d]: sum over i
        string index = g.Node("Add", [parentSets, g.Constant("node_offset", offset, _d)]);
        string table = g.Once("bge_local_scores", () => g.Constant("bge_local_scores", LocalScores(), _d * sets));
        string terms = g.Node("Gather", [table, index], null, OnnxAttribute.Int("axis", 0));                            // [N, d] double
        string sum = g.Node("ReduceSum", [terms, axis1], null, OnnxAttribute.Int("keepdims", 0));
        return g.Node("Cast", [sum], null, OnnxAttribute.Int("to", (long)OnnxType.Float));
    }
}
