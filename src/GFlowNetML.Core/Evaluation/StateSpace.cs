using GFlowNetML.Environments;
using GFlowNetML.Sampling;

namespace GFlowNetML.Evaluation;

/// <summary>
/// The enumerated state space of an environment, indexed in topological order, with its transition table:
/// what exact evaluation (the terminating distribution by dynamic programming) runs on.
/// </summary>
public sealed class StateSpace
{
    private readonly Dictionary<StateKey, int> _index;

    private StateSpace(GFlowNetEnvironment environment, int[] states)
    {
        Environment = environment;
        int width = environment.StateWidth, actions = environment.ActionCount;
        if (states.Length == 0 || states.Length % width != 0)
            throw new ArgumentException($"Environment '{environment.Name}' enumerated {states.Length} integers, not a non-empty multiple of its state width {width}.");
        Count = states.Length / width;
        States = states;

        var initial = new int[width];
        environment.WriteInitialState(initial);
        if (!State(0).SequenceEqual(initial))
            throw new InvalidOperationException($"Environment '{environment.Name}' must enumerate its initial state first; got {environment.Format(State(0))}.");

        _index = new Dictionary<StateKey, int>(Count);
        for (int i = 0; i < Count; i++)
            if (!_index.TryAdd(new StateKey(states, i * width, width), i))
                throw new InvalidOperationException($"Environment '{environment.Name}' enumerated the state {environment.Format(State(i))} twice.");

        ForwardMask = new bool[Count * actions];
        environment.ForwardMasks(states, ForwardMask);
        var backwardMask = new bool[Count * environment.BackwardActionCount];
        environment.BackwardMasks(states, backwardMask);
        ParentCount = new int[Count];
        for (int i = 0; i < Count; i++)
            for (int b = 0; b < environment.BackwardActionCount; b++)
                if (backwardMask[i * environment.BackwardActionCount + b]) ParentCount[i]++;

        Children = new int[Count * actions];
        Array.Fill(Children, -1);
        var child = new int[width];
        var action = new int[1];
        for (int i = 0; i < Count; i++)
        {
            for (int a = 0; a < actions - 1; a++)
            {
                if (!ForwardMask[i * actions + a]) continue;
                State(i).CopyTo(child);
                action[0] = a;
                environment.Step(child, action);
                if (!_index.TryGetValue(new StateKey(child, 0, width), out int j))
                    throw new InvalidOperationException($"Action {a} from {environment.Format(State(i))} leads to {environment.Format(child)}, which the enumeration does not contain.");
                if (j <= i)
                    throw new InvalidOperationException($"The enumeration of '{environment.Name}' is not in topological order: {environment.Format(State(i))} (index {i}) has the child {environment.Format(child)} at index {j}.");
                Children[i * actions + a] = j;
            }
        }

        var terminals = new List<int>();
        for (int i = 0; i < Count; i++) if (ForwardMask[i * actions + actions - 1]) terminals.Add(i);
        Terminals = terminals.ToArray();
        var terminalStates = new int[Terminals.Length * width];
        for (int t = 0; t < Terminals.Length; t++) State(Terminals[t]).CopyTo(terminalStates.AsSpan(t * width));
        TerminalLogRewards = new double[Terminals.Length];
        environment.LogReward(terminalStates, TerminalLogRewards);
        for (int t = 0; t < Terminals.Length; t++)
            if (double.IsNaN(TerminalLogRewards[t]) || double.IsPositiveInfinity(TerminalLogRewards[t]))
                throw new InvalidOperationException($"The log-reward of {environment.Format(State(Terminals[t]))} is {TerminalLogRewards[t]}; log-rewards must be finite or −∞.");
        TerminalIsMode = new bool[Terminals.Length];
        for (int t = 0; t < Terminals.Length; t++) TerminalIsMode[t] = environment.IsMode(State(Terminals[t]));
        LogPartition = LogSumExp(TerminalLogRewards);
        TargetDistribution = new double[Terminals.Length];
        for (int t = 0; t < Terminals.Length; t++) TargetDistribution[t] = Math.Exp(TerminalLogRewards[t] - LogPartition);
        TerminalPosition = new int[Count];
        Array.Fill(TerminalPosition, -1);
        for (int t = 0; t < Terminals.Length; t++) TerminalPosition[Terminals[t]] = t;
    }

    /// <summary>Enumerates the environment's states; throws when the environment cannot enumerate them.</summary>
    public static StateSpace Enumerate(GFlowNetEnvironment environment)
        => TryEnumerate(environment)
            ?? throw new NotSupportedException($"Environment '{environment.Name}' cannot enumerate its states, so exact evaluation is not available.");

    /// <summary>Enumerates the environment's states, or returns <c>null</c> when the environment cannot enumerate them.</summary>
    public static StateSpace? TryEnumerate(GFlowNetEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment.EnumerateStates() is int[] states ? new StateSpace(environment, states) : null;
    }

    /// <summary>The environment the states belong to.</summary>
    public GFlowNetEnvironment Environment { get; }

    /// <summary>The number of states.</summary>
    public int Count { get; }

    /// <summary>All states, flattened, in topological order (s0 first).</summary>
    public int[] States { get; }

    /// <summary>The forward masks of all states (<c>Count · ActionCount</c>).</summary>
    public bool[] ForwardMask { get; }

    /// <summary>For each state and forward action, the index of the child, or −1 (not allowed, or the exit action).</summary>
    internal int[] Children { get; }

    /// <summary>The number of parents of each state (allowed backward actions).</summary>
    public int[] ParentCount { get; }

    /// <summary>The indices of the terminal states (where exit is allowed), in enumeration order.</summary>
    public int[] Terminals { get; }

    /// <summary>log R(x) of each terminal state, aligned with <see cref="Terminals"/>.</summary>
    public double[] TerminalLogRewards { get; }

    /// <summary>Whether each terminal state is a mode, aligned with <see cref="Terminals"/>.</summary>
    public bool[] TerminalIsMode { get; }

    /// <summary>For each state, its position in <see cref="Terminals"/>, or −1.</summary>
    internal int[] TerminalPosition { get; }

    /// <summary>The exact log Z* = log Σ_x R(x) over the terminal states.</summary>
    public double LogPartition { get; }

    /// <summary>The target distribution R(x)/Z*, aligned with <see cref="Terminals"/>.</summary>
    public double[] TargetDistribution { get; }

    /// <summary>One state of the enumeration.</summary>
    public ReadOnlySpan<int> State(int index) => States.AsSpan(index * Environment.StateWidth, Environment.StateWidth);

    /// <summary>The index of a state, or −1 when the enumeration does not contain it.</summary>
    public int IndexOf(ReadOnlySpan<int> state)
    {
        var copy = state.ToArray();
        return _index.TryGetValue(new StateKey(copy, 0, copy.Length), out int i) ? i : -1;
    }

    /// <summary>The most states <see cref="ForwardLogProbabilities"/> encodes and evaluates at a time.</summary>
    public const int ChunkStates = 4096;

    /// <summary>The most feature values one chunk holds (2^24, 64 MiB): wide encodings get fewer states per chunk.</summary>
    public const int MaxChunkFeatures = 1 << 24;

    /// <summary>The states per chunk for an encoding of <paramref name="encodingWidth"/> values: <see cref="ChunkStates"/>,
    /// or fewer (at least one) where that many would hold more than <see cref="MaxChunkFeatures"/> values.</summary>
    public static int ChunkRows(int encodingWidth) => Math.Clamp(MaxChunkFeatures / Math.Max(encodingWidth, 1), 1, ChunkStates);

    /// <summary>
    /// log π_F(a|s) of a policy for every state (<c>Count · ActionCount</c>, state-major), what
    /// <see cref="TerminatingDistribution"/> and <see cref="ExactMetrics"/> take. The states are encoded and passed to the
    /// policy in chunks (<see cref="ChunkRows"/>), so the memory beyond the result is one chunk's features, however large
    /// the space (a 256×256 grid's features at once would be 128 MiB, a 2^24-cell grid's far beyond any machine). A policy
    /// that computes each row on its own (as <see cref="Models.PolicyWeights"/> does) gives the same values as one pass.
    /// </summary>
    /// <param name="policy">The forward policy, over <see cref="GFlowNetEnvironment.ActionCount"/> actions.</param>
    public float[] ForwardLogProbabilities(IPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var env = Environment;
        int width = env.StateWidth, encoding = env.EncodingWidth, actions = env.ActionCount;
        int chunk = ChunkRows(encoding);
        var result = new float[(long)Count * actions];
        var features = new float[(long)Math.Min(chunk, Count) * encoding];
        for (int start = 0; start < Count; start += chunk)
        {
            int rows = Math.Min(chunk, Count - start);
            var f = features.AsSpan(0, rows * encoding);
            env.Encode(States.AsSpan(start * width, rows * width), f);
            policy.LogProbabilities(f, ForwardMask.AsSpan(start * actions, rows * actions), rows, result.AsSpan(start * actions, rows * actions));
        }
        return result;
    }

    internal static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values) if (v > max) max = v;
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (double v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }

    private readonly struct StateKey(int[] array, int offset, int length) : IEquatable<StateKey>
    {
        private ReadOnlySpan<int> Span => array.AsSpan(offset, length);
        public bool Equals(StateKey other) => Span.SequenceEqual(other.Span);
        public override bool Equals(object? obj) => obj is StateKey other && Equals(other);
        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (int v in Span) hash.Add(v);
            return hash.ToHashCode();
        }
    }
}
