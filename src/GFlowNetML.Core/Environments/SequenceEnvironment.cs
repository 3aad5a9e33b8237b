using System.Globalization;
using GFlowNetML.Rewards;

namespace GFlowNetML.Environments;

/// <summary>
/// Sequence design (the paper's <c>BioSeqEnv</c>, note §4.1): build a sequence of L tokens from an alphabet of K, one token
/// per step, then exit; the reward is a <see cref="SequenceReward"/> (a table such as <see cref="SyntheticBindingLandscape"/>,
/// a CSV file, or a delegate).
/// </summary>
/// <remarks>
/// <para><b>States.</b> L integers, each −1 (blank) or a token 0..K−1; s0 is all blank. With
/// <see cref="SequenceActionModel.WriteAnyBlank"/> any subset of positions may be filled; with
/// <see cref="SequenceActionModel.Append"/> and <see cref="SequenceActionModel.PrependOrAppend"/> the tokens are
/// left-aligned (blanks on the right). The exit action is allowed only when the sequence is full, so the terminal states
/// are exactly the K^L sequences and every trajectory has L + 1 steps.</para>
/// <para><b>Encoding.</b> K-hot, L·K floats: row p is the one-hot of the token at position p, all zero for a blank.</para>
/// <para><b>Enumeration.</b> When the number of states is at most <see cref="MaxEnumeratedStates"/> ((K+1)^L for
/// write-any-blank, Σ_{m=0..L} K^m for the others), ordered by the number of filled positions (topological).</para>
/// </remarks>
public sealed partial class SequenceEnvironment : GFlowNetEnvironment
{
    /// <summary>The largest number of states <see cref="EnumerateStates"/> enumerates.</summary>
    public const long MaxEnumeratedStates = 1 << 24;

    private readonly int _k, _l;

    /// <summary>Creates a sequence environment.</summary>
    /// <param name="reward">The reward; it fixes K (<see cref="SequenceReward.Tokens"/>), L (<see cref="SequenceReward.Length"/>) and the alphabet.</param>
    /// <param name="actionModel">How sequences are built (default: the paper's write-any-blank).</param>
    public SequenceEnvironment(SequenceReward reward, SequenceActionModel actionModel = SequenceActionModel.WriteAnyBlank)
    {
        Reward = reward ?? throw new ArgumentNullException(nameof(reward));
        if (!Enum.IsDefined(actionModel))
            throw new ArgumentOutOfRangeException(nameof(actionModel), actionModel, "actionModel must be WriteAnyBlank, Append or PrependOrAppend.");
        ActionModel = actionModel;
        _k = reward.Tokens;
        _l = reward.Length;
    }

    /// <summary>The reward.</summary>
    public SequenceReward Reward { get; }

    /// <summary>The action model.</summary>
    public SequenceActionModel ActionModel { get; }

    /// <summary>The number of tokens K.</summary>
    public int Tokens => _k;

    /// <summary>The sequence length L.</summary>
    public int Length => _l;

    /// <summary>The number of states: (K+1)^L for write-any-blank, Σ_{m=0..L} K^m otherwise (as a double: it can be huge).</summary>
    public double StateCount => ActionModel == SequenceActionModel.WriteAnyBlank
        ? Math.Pow(_k + 1, _l)
        : Enumerable.Range(0, _l + 1).Sum(m => Math.Pow(_k, m));

    /// <inheritdoc/>
    public override string Name => "sequence";

    /// <inheritdoc/>
    public override string Description
        => FormattableString.Invariant($"sequence(tokens={_k}, length={_l}, action-model={ActionModelName(ActionModel)}, reward={Reward.Description})");

    /// <summary><c>tokens</c>, <c>length</c>, <c>action-model</c> and the reward's parameters (<c>reward</c> = <c>synthetic</c>
    /// or <c>table</c>, …), or <c>null</c> when the reward cannot be recreated (in-memory tables, delegates).</summary>
    public override IReadOnlyDictionary<string, string>? Parameters
    {
        get
        {
            if (Reward.Parameters is not { } rewardParameters) return null;
            var result = new Dictionary<string, string>(rewardParameters, StringComparer.Ordinal)
            {
                ["tokens"] = _k.ToString(CultureInfo.InvariantCulture),
                ["length"] = _l.ToString(CultureInfo.InvariantCulture),
                ["action-model"] = ActionModelName(ActionModel),
            };
            return result;
        }
    }

    /// <inheritdoc/>
    public override int StateWidth => _l;

    /// <summary>K·L + 1 (write-any-blank), K + 1 (append) or 2K + 1 (prepend-or-append).</summary>
    public override int ActionCount => ActionModel switch
    {
        SequenceActionModel.WriteAnyBlank => _k * _l + 1,
        SequenceActionModel.Append => _k + 1,
        _ => 2 * _k + 1,
    };

    /// <summary>L (write-any-blank), 1 (append: remove the last token) or 2 (prepend-or-append: 0 removes the first token, 1 the last).</summary>
    public override int BackwardActionCount => ActionModel switch
    {
        SequenceActionModel.WriteAnyBlank => _l,
        SequenceActionModel.Append => 1,
        _ => 2,
    };

    /// <inheritdoc/>
    public override int EncodingWidth => _k * _l;

    /// <summary>L + 1: every trajectory fills the L positions and exits.</summary>
    public override int MaxTrajectoryLength => _l + 1;

    /// <summary>The reward's exact log Z* when it knows it (tables), otherwise <c>null</c>.</summary>
    public override double? LogPartition => Reward.LogPartition;

    /// <summary>The table's <see cref="SequenceRewardTable.ModeCount"/> for a reward table; <c>null</c> for other rewards
    /// (a delegate or a proxy model, whose modes are known only by testing them).</summary>
    public override long? TotalModes => Reward is SequenceRewardTable table ? table.ModeCount : null;

    /// <summary>The sequence guide of the paper (<see cref="Guides.SequenceGuide"/>), with its default capacity.</summary>
    public override Guides.GFlowNetGuide DefaultGuide => new Guides.SequenceGuide(this);

    /// <inheritdoc/>
    public override void WriteInitialState(Span<int> state) => state[.._l].Fill(-1);

    /// <inheritdoc/>
    public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
    {
        int batch = BatchOf(states), actions = ActionCount;
        CheckLength(masks.Length, batch * actions, nameof(masks));
        for (int i = 0; i < batch; i++)
        {
            var state = states.Slice(i * _l, _l);
            var mask = masks.Slice(i * actions, actions);
            int filled = Filled(state);
            if (ActionModel == SequenceActionModel.WriteAnyBlank)
                for (int a = 0; a < actions - 1; a++) mask[a] = state[a % _l] < 0;
            else
                mask[..(actions - 1)].Fill(filled < _l);
            mask[actions - 1] = filled == _l;
        }
    }

    /// <inheritdoc/>
    public override void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
    {
        int batch = BatchOf(states), backward = BackwardActionCount;
        CheckLength(masks.Length, batch * backward, nameof(masks));
        for (int i = 0; i < batch; i++)
        {
            var state = states.Slice(i * _l, _l);
            if (ActionModel == SequenceActionModel.WriteAnyBlank)
                for (int p = 0; p < _l; p++) masks[i * _l + p] = state[p] >= 0;
            else
                masks.Slice(i * backward, backward).Fill(Filled(state) > 0);
        }
    }

    /// <inheritdoc/>
    public override void Step(Span<int> states, ReadOnlySpan<int> actions)
    {
        int batch = BatchOf(states), exit = ExitAction;
        CheckLength(actions.Length, batch, nameof(actions));
        for (int i = 0; i < batch; i++)
        {
            var state = states.Slice(i * _l, _l);
            int action = actions[i], filled = Filled(state);
            bool allowed = (uint)action <= (uint)exit && (action == exit
                ? filled == _l
                : ActionModel == SequenceActionModel.WriteAnyBlank ? state[action % _l] < 0 : filled < _l);
            if (!allowed)
                throw new ArgumentException($"Action {action} is not allowed in state {Format(state)} (actions 0..{exit}; {ActionMeaning()}).", nameof(actions));
            if (action == exit) continue;
            switch (ActionModel)
            {
                case SequenceActionModel.WriteAnyBlank:
                    state[action % _l] = action / _l;
                    break;
                case SequenceActionModel.Append:
                    state[filled] = action;
                    break;
                default:
                    if (action < _k) state[filled] = action;
                    else
                    {
                        for (int p = filled; p > 0; p--) state[p] = state[p - 1];
                        state[0] = action - _k;
                    }
                    break;
            }
        }
    }

    /// <inheritdoc/>
    public override void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions)
    {
        int batch = BatchOf(states), backward = BackwardActionCount;
        CheckLength(backwardActions.Length, batch, nameof(backwardActions));
        for (int i = 0; i < batch; i++)
        {
            var state = states.Slice(i * _l, _l);
            int action = backwardActions[i], filled = Filled(state);
            bool allowed = (uint)action < (uint)backward
                && (ActionModel == SequenceActionModel.WriteAnyBlank ? state[action] >= 0 : filled > 0);
            if (!allowed)
                throw new ArgumentException($"Backward action {action} is not allowed in state {Format(state)} (backward actions 0..{backward - 1}; {BackwardActionMeaning()}).", nameof(backwardActions));
            if (ActionModel == SequenceActionModel.WriteAnyBlank) state[action] = -1;
            else if (ActionModel == SequenceActionModel.PrependOrAppend && action == 0)
            {
                for (int p = 0; p < filled - 1; p++) state[p] = state[p + 1];
                state[filled - 1] = -1;
            }
            else state[filled - 1] = -1;
        }
    }

    /// <inheritdoc/>
    public override void ToBackwardActions(ReadOnlySpan<int> parents, ReadOnlySpan<int> actions, Span<int> backwardActions)
    {
        int batch = BatchOf(parents);
        CheckLength(actions.Length, batch, nameof(actions));
        CheckLength(backwardActions.Length, batch, nameof(backwardActions));
        for (int i = 0; i < batch; i++)
        {
            int action = actions[i];
            if ((uint)action >= (uint)ExitAction)
                throw new ArgumentException($"Action {action} in state {Format(parents.Slice(i * _l, _l))} is not a move (moves are 0..{ExitAction - 1}; {ExitAction} is the exit).", nameof(actions));
            backwardActions[i] = ActionModel switch
            {
                SequenceActionModel.WriteAnyBlank => action % _l,
                SequenceActionModel.Append => 0,
                _ => action < _k ? 1 : 0,   // append ↔ remove last, prepend ↔ remove first
            };
        }
    }

    /// <inheritdoc/>
    public override void ToForwardActions(ReadOnlySpan<int> children, ReadOnlySpan<int> backwardActions, Span<int> actions)
    {
        int batch = BatchOf(children), backward = BackwardActionCount;
        CheckLength(backwardActions.Length, batch, nameof(backwardActions));
        CheckLength(actions.Length, batch, nameof(actions));
        for (int i = 0; i < batch; i++)
        {
            var child = children.Slice(i * _l, _l);
            int action = backwardActions[i], filled = Filled(child);
            bool allowed = (uint)action < (uint)backward
                && (ActionModel == SequenceActionModel.WriteAnyBlank ? child[action] >= 0 : filled > 0);
            if (!allowed)
                throw new ArgumentException($"Backward action {action} is not allowed in state {Format(child)} ({BackwardActionMeaning()}).", nameof(backwardActions));
            actions[i] = ActionModel switch
            {
                SequenceActionModel.WriteAnyBlank => child[action] * _l + action,
                SequenceActionModel.Append => child[filled - 1],
                _ => action == 0 ? _k + child[0] : child[filled - 1],
            };
        }
    }

    /// <inheritdoc/>
    public override void Encode(ReadOnlySpan<int> states, Span<float> features)
    {
        int batch = BatchOf(states), width = EncodingWidth;
        CheckLength(features.Length, batch * width, nameof(features));
        features[..(batch * width)].Clear();
        for (int i = 0; i < batch; i++)
            for (int p = 0; p < _l; p++)
            {
                int token = states[i * _l + p];
                if (token >= 0) features[i * width + p * _k + token] = 1f;
            }
    }

    /// <summary>log R(x) from the reward; every state must be a full sequence.</summary>
    public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards)
    {
        BatchOf(states);
        Reward.LogRewards(states, logRewards);
    }

    /// <summary>Whether a full sequence is a mode of the reward (a state with blanks never is).</summary>
    public override bool IsMode(ReadOnlySpan<int> state)
    {
        foreach (int x in state) if (x < 0) return false;
        return Reward.IsMode(state);
    }

    /// <summary>The sequence as text with the reward's alphabet, blanks shown as '_' (e.g. <c>AC_T____</c>).</summary>
    public override string Format(ReadOnlySpan<int> state) => Reward.Format(state);

    /// <summary>All states ordered by the number of filled positions (s0 first), or <c>null</c> beyond
    /// <see cref="MaxEnumeratedStates"/> states.</summary>
    public override int[]? EnumerateStates()
    {
        if (StateCount > MaxEnumeratedStates) return null;
        int count = (int)Math.Round(StateCount);
        var states = new int[count * _l];
        if (ActionModel == SequenceActionModel.WriteAnyBlank)
        {
            // Counting sort of the (K+1)^L mixed-radix codes by the number of filled positions (digit 0 = blank).
            var offsets = new int[_l + 2];
            var code = new int[_l];
            for (int pass = 0; pass < 2; pass++)
            {
                for (int index = 0; index < count; index++)
                {
                    SequenceText.FromIndex(index, _k + 1, code);
                    int filled = 0;
                    foreach (int d in code) if (d > 0) filled++;
                    if (pass == 0) { offsets[filled + 1]++; continue; }
                    var state = states.AsSpan(offsets[filled]++ * _l, _l);
                    for (int p = 0; p < _l; p++) state[p] = code[p] - 1;
                }
                if (pass == 0) for (int m = 1; m <= _l + 1; m++) offsets[m] += offsets[m - 1];
            }
            return states;
        }
        Array.Fill(states, -1);
        int row = 0;
        for (int m = 0; m <= _l; m++)
        {
            long sequences = (long)Math.Round(Math.Pow(_k, m));
            for (long index = 0; index < sequences; index++, row++)
                SequenceText.FromIndex(index, _k, states.AsSpan(row * _l, m));
        }
        return states;
    }

    /// <summary>The parameter name of an action model: <c>write-any-blank</c>, <c>append</c> or <c>prepend-or-append</c>.</summary>
    public static string ActionModelName(SequenceActionModel model) => model switch
    {
        SequenceActionModel.WriteAnyBlank => "write-any-blank",
        SequenceActionModel.Append => "append",
        SequenceActionModel.PrependOrAppend => "prepend-or-append",
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown action model."),
    };

    /// <summary>Parses an action model from its parameter name (<c>write-any-blank</c>, <c>append</c>,
    /// <c>prepend-or-append</c>) or its enum name, ignoring case.</summary>
    /// <exception cref="ArgumentException">The text names no action model.</exception>
    public static SequenceActionModel ParseActionModel(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var model in Enum.GetValues<SequenceActionModel>())
            if (string.Equals(text, ActionModelName(model), StringComparison.OrdinalIgnoreCase) || string.Equals(text, model.ToString(), StringComparison.OrdinalIgnoreCase))
                return model;
        throw new ArgumentException($"Unknown action model '{text}'; expected write-any-blank, append or prepend-or-append.", nameof(text));
    }

    /// <summary>The number of filled positions: non-blank positions (write-any-blank) or the left-aligned prefix length.</summary>
    internal int Filled(ReadOnlySpan<int> state)
    {
        if (ActionModel == SequenceActionModel.WriteAnyBlank)
        {
            int filled = 0;
            foreach (int x in state) if (x >= 0) filled++;
            return filled;
        }
        int m = state.IndexOf(-1);
        return m < 0 ? _l : m;
    }

    private string ActionMeaning() => ActionModel switch
    {
        SequenceActionModel.WriteAnyBlank => $"action a writes token a / {_l} at the blank position a mod {_l}, exit only when full",
        SequenceActionModel.Append => "action k appends token k, exit only when full",
        _ => $"action k < {_k} appends token k, {_k} + k prepends it, exit only when full",
    };

    private string BackwardActionMeaning() => ActionModel switch
    {
        SequenceActionModel.WriteAnyBlank => "backward action p blanks the filled position p",
        SequenceActionModel.Append => "backward action 0 removes the last token",
        _ => "backward action 0 removes the first token, 1 the last",
    };

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual < expected) throw new ArgumentException($"The span '{name}' holds {actual} values; the batch needs {expected}.", name);
    }
}
