namespace GFlowNetML.Environments;

/// <summary>
/// A batched GFlowNet environment: a graded DAG of states built from an initial state s0 by integer actions,
/// with one distinguished exit action that ends a trajectory in the current state.
/// </summary>
/// <remarks>
/// <para>A state is a fixed-width vector of <see cref="StateWidth"/> integers, so a batch of <c>n</c> states is one
/// contiguous array of <c>n · StateWidth</c> integers. Every batched member infers the batch size from the length
/// of its state span; the other spans must be sized for the same batch.</para>
/// <para>Forward actions are <c>0 .. ActionCount − 1</c>; the exit action is the last one, <see cref="ExitAction"/>.
/// Backward actions are <c>0 .. BackwardActionCount − 1</c>; each non-exit forward action of a state has exactly one
/// backward action of the child that leads back to it (<see cref="ToBackwardActions"/>, <see cref="ToForwardActions"/>).</para>
/// <para>Implementations must be deterministic and thread-safe for concurrent reads (they hold no mutable state).</para>
/// </remarks>
public abstract class GFlowNetEnvironment
{
    /// <summary>A short name for the environment kind, e.g. <c>hypergrid</c>.</summary>
    public abstract string Name { get; }

    /// <summary>A one-line description of the environment and all its parameters, e.g.
    /// <c>hypergrid(ndim=2, height=8, r0=0.01, r1=0.5, r2=2)</c>; checkpoints use it to refuse a mismatched environment.</summary>
    public virtual string Description => Name;

    /// <summary>
    /// The parameters that, with <see cref="Name"/>, recreate this environment through <see cref="EnvironmentCatalog.Create"/>
    /// (invariant-culture strings, e.g. <c>ndim → 2</c>), or <c>null</c> when it cannot be recreated from a description
    /// (for example a reward given as a delegate). Sampler model files store them.
    /// </summary>
    public virtual IReadOnlyDictionary<string, string>? Parameters => null;

    /// <summary>The number of integers that make up one state.</summary>
    public abstract int StateWidth { get; }

    /// <summary>The number of forward actions, the exit action included.</summary>
    public abstract int ActionCount { get; }

    /// <summary>The index of the exit action: always <c>ActionCount − 1</c>.</summary>
    public int ExitAction => ActionCount - 1;

    /// <summary>The number of backward actions (the exit action has no backward counterpart).</summary>
    public abstract int BackwardActionCount { get; }

    /// <summary>The width of the feature vector that <see cref="Encode"/> writes for one state (the policy network's input).</summary>
    public abstract int EncodingWidth { get; }

    /// <summary>The largest number of forward actions in one complete trajectory, the exit action included.</summary>
    public abstract int MaxTrajectoryLength { get; }

    /// <summary>Writes the initial state s0 into <paramref name="state"/> (length <see cref="StateWidth"/>).</summary>
    public abstract void WriteInitialState(Span<int> state);

    /// <summary>Writes, for each state of the batch, which forward actions are allowed (<c>n · ActionCount</c> flags).</summary>
    /// <param name="states">The batch of states, <c>n · StateWidth</c> integers.</param>
    /// <param name="masks">Receives <c>n · ActionCount</c> flags; <c>true</c> marks an allowed action.</param>
    public abstract void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks);

    /// <summary>Writes, for each state of the batch, which backward actions are allowed (<c>n · BackwardActionCount</c> flags).
    /// The allowed backward actions of a state are exactly its parents; s0 has none.</summary>
    /// <param name="states">The batch of states, <c>n · StateWidth</c> integers.</param>
    /// <param name="masks">Receives <c>n · BackwardActionCount</c> flags.</param>
    public abstract void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks);

    /// <summary>Applies one allowed forward action to each state of the batch, in place. Rows whose action is
    /// <see cref="ExitAction"/> are left unchanged (the trajectory ends there).</summary>
    public abstract void Step(Span<int> states, ReadOnlySpan<int> actions);

    /// <summary>Applies one allowed backward action to each state of the batch, in place (moves to a parent).</summary>
    public abstract void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions);

    /// <summary>For each parent state and non-exit forward action, writes the backward action of the child that leads back.</summary>
    public abstract void ToBackwardActions(ReadOnlySpan<int> parents, ReadOnlySpan<int> actions, Span<int> backwardActions);

    /// <summary>For each child state and backward action, writes the forward action of the parent that leads to the child.</summary>
    public abstract void ToForwardActions(ReadOnlySpan<int> children, ReadOnlySpan<int> backwardActions, Span<int> actions);

    /// <summary>Writes the network features of each state (<c>n · EncodingWidth</c> floats).</summary>
    public abstract void Encode(ReadOnlySpan<int> states, Span<float> features);

    /// <summary>Writes log R(x) for each terminal state of the batch (states where the exit action is allowed).</summary>
    public abstract void LogReward(ReadOnlySpan<int> states, Span<double> logRewards);

    /// <summary>Whether a terminal state counts as a mode (a high-reward object) for the "modes found" metric.</summary>
    public virtual bool IsMode(ReadOnlySpan<int> state) => false;

    /// <summary>How many terminal states are modes (<see cref="IsMode"/>), when the environment knows it without
    /// enumerating its space: the total that "modes found" is reported against. 0 for an environment that defines no modes
    /// (the metric then does not apply and is not printed); <c>null</c> (the default) when unknown, in which case a trainer
    /// counts the modes of the enumerated space where it has one.</summary>
    public virtual long? TotalModes => null;

    /// <summary>The exact log partition function log Z* = log Σ_x R(x) when it has a closed form; otherwise <c>null</c>.</summary>
    public virtual double? LogPartition => null;

    /// <summary>
    /// All states in a topological order (every parent before its children, s0 first), flattened, or <c>null</c>
    /// when the space is too large to enumerate. Exact evaluation needs it.
    /// </summary>
    public virtual int[]? EnumerateStates() => null;

    /// <summary>The guide RL-G uses on this environment when none is given (<see cref="Guides.GFlowNetGuide"/>), or
    /// <c>null</c> when the environment has none.</summary>
    public virtual Guides.GFlowNetGuide? DefaultGuide => null;

    /// <summary>A human-readable form of one state, e.g. <c>(3, 5)</c>.</summary>
    public virtual string Format(ReadOnlySpan<int> state) => "(" + string.Join(", ", state.ToArray()) + ")";

    /// <summary>The number of states in a batch span, checking that its length is a multiple of <see cref="StateWidth"/>.</summary>
    /// <param name="states">The batch of states.</param>
    /// <param name="parameterName">The parameter the exception names (default <c>states</c>).</param>
    protected internal int BatchOf(ReadOnlySpan<int> states, string parameterName = "states")
    {
        if (states.Length % StateWidth != 0)
            throw new ArgumentException($"The state batch holds {states.Length} integers, which is not a multiple of the state width {StateWidth}.", parameterName);
        return states.Length / StateWidth;
    }
}
