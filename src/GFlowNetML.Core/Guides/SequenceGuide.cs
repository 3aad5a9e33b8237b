using GFlowNetML.Environments;
using GFlowNetML.Sampling;

namespace GFlowNetML.Guides;

/// <summary>
/// The sequence guide of Niu et al. (ICML 2024; note §2.7, after Shen et al. 2023's substructure guide): a replay buffer
/// of the terminal sequences seen so far and their rewards, and for a transition s → s′ on the backward trajectory of a
/// target x, π_G(a|s) ∝ the mean reward of the buffered sequences x′ that the child s + a can still reach (that agree
/// with s + a), among the actions whose child can still reach x. Other actions get log π_G = <see cref="LogFloor"/> before
/// renormalisation; if no buffered sequence supports any consistent action, π_G = π_F.
/// </summary>
/// <remarks>
/// <para><b>Consistency.</b> "x′ is reachable from a state" means: for write-any-blank and append, x′ agrees with the state
/// on its filled positions; for prepend-or-append, the state's tokens occur as a contiguous block of x′. Children are
/// computed with the environment's <see cref="GFlowNetEnvironment.Step"/>, so the guide works for every
/// <see cref="SequenceActionModel"/> (with append, the consistent action is unique and π_G puts all its mass on it).</para>
/// <para><b>Buffer.</b> <see cref="Observe"/> adds each distinct terminal sequence once (observing it again refreshes it);
/// when full, the least recently observed sequence is dropped. Since the trainer observes the forward batch before the
/// backward update and the capacity is at least a batch, every target x is in the buffer, so each consistent action has a
/// positive score. The mean is of R = exp(log R), computed relative to the largest log R seen (scale-free).</para>
/// <para><b>Cost.</b> For write-any-blank and append, one pass over the buffer per distinct state of the batch (the support
/// of "token t at position p" does not depend on the target), with each buffered sequence one 64-bit word when
/// L·⌈log2 K⌉ ≤ 64 (TFBind8: 16 bits); for prepend-or-append, one pass per row with block matching. Rows are scored in parallel; the result
/// does not depend on the thread count. The paper's capacity is 10^6; the default here is <see cref="DefaultCapacity"/>.</para>
/// </remarks>
public sealed class SequenceGuide : GFlowNetGuide
{
    /// <summary>The default buffer capacity (distinct sequences).</summary>
    public const int DefaultCapacity = 100_000;

    /// <summary>The default log π_G of actions without support before renormalisation (the paper's −1e5).</summary>
    public const double DefaultLogFloor = -1e5;

    private readonly SequenceEnvironment _env;
    private readonly int _l;
    private readonly int[] _sequences;            // (Capacity + 1) · L; the last row is scratch for lookups
    private readonly double[] _logRewards;
    private readonly double[] _weights;           // exp(log R − _shift)
    private readonly long[] _stamps;
    private readonly Dictionary<int, int> _slots; // slot → slot, keyed by the slot's sequence
    private readonly Queue<(int Slot, long Stamp)> _order = new();
    private readonly ulong[]? _packed;            // the buffer as b-bit fields when L·b ≤ 64 (b = bits per token)
    private readonly int _bits;
    private double _shift = double.NegativeInfinity;
    private long _clock;

    /// <summary>Creates the guide for a sequence environment.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="capacity">The most distinct sequences the buffer keeps (at least 1; default <see cref="DefaultCapacity"/>).</param>
    /// <param name="logFloor">log π_G of unsupported actions before renormalisation (finite, negative; default −1e5).</param>
    public SequenceGuide(SequenceEnvironment environment, int capacity = DefaultCapacity, double logFloor = DefaultLogFloor)
    {
        _env = environment ?? throw new ArgumentNullException(nameof(environment));
        if (capacity < 1 || (long)(capacity + 1) * environment.Length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity must be at least 1 and (capacity + 1) · length at most {Array.MaxLength}.");
        if (!(logFloor < 0) || double.IsInfinity(logFloor))
            throw new ArgumentOutOfRangeException(nameof(logFloor), logFloor, "logFloor must be a finite negative number.");
        _l = environment.Length;
        Capacity = capacity;
        LogFloor = logFloor;
        _sequences = new int[(capacity + 1) * _l];
        _logRewards = new double[capacity];
        _weights = new double[capacity];
        _stamps = new long[capacity];
        _slots = new Dictionary<int, int>(new SlotComparer(_sequences, _l));
        _bits = Math.Max(1, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(environment.Tokens - 1)));
        if (_bits * _l <= 64) _packed = new ulong[capacity];
    }

    /// <inheritdoc/>
    public override string Name => "sequence-substructure-mean-reward";

    /// <summary>The most distinct sequences the buffer keeps.</summary>
    public int Capacity { get; }

    /// <summary>log π_G of unsupported actions before renormalisation.</summary>
    public double LogFloor { get; }

    /// <summary>The number of distinct sequences in the buffer.</summary>
    public int Count { get; private set; }

    /// <summary>Adds the terminal sequences of a batch and their log-rewards to the buffer (each distinct sequence once).</summary>
    /// <exception cref="ArgumentException">A state is not a full sequence, the spans do not match, or a log-reward is NaN or +∞.</exception>
    public override void Observe(ReadOnlySpan<int> terminalStates, ReadOnlySpan<double> logRewards)
    {
        int n = _env.BatchOf(terminalStates, nameof(terminalStates));
        if (logRewards.Length != n)
            throw new ArgumentException($"{n} terminal sequences need {n} log-rewards; got {logRewards.Length}.", nameof(logRewards));
        for (int i = 0; i < n; i++)
        {
            var sequence = terminalStates.Slice(i * _l, _l);
            foreach (int x in sequence)
                if ((uint)x >= (uint)_env.Tokens)
                    throw new ArgumentException($"The guide observes full sequences; got {_env.Format(sequence)}.", nameof(terminalStates));
            double logReward = logRewards[i];
            if (double.IsNaN(logReward) || double.IsPositiveInfinity(logReward))
                throw new ArgumentException($"The log-reward of {_env.Format(sequence)} is {logReward}; log-rewards must be finite or −∞.", nameof(logRewards));
            sequence.CopyTo(_sequences.AsSpan(Capacity * _l, _l));
            if (!_slots.TryGetValue(Capacity, out int slot))
            {
                if (Count < Capacity) slot = Count++;
                else
                {
                    slot = Oldest();
                    _slots.Remove(slot);
                }
                sequence.CopyTo(_sequences.AsSpan(slot * _l, _l));
                _slots.Add(slot, slot);
                if (_packed is not null) _packed[slot] = Pack(sequence);
            }
            Store(slot, logReward);
            _stamps[slot] = ++_clock;
            _order.Enqueue((slot, _clock));
        }
        if (_order.Count > 2 * Capacity + 1024) CompactOrder();
    }

    /// <inheritdoc/>
    public override void LogProbabilities(ReadOnlySpan<int> states, ReadOnlySpan<bool> masks, ReadOnlySpan<int> targets,
        ReadOnlySpan<float> forwardLogProbabilities, Span<float> guideLogProbabilities)
    {
        int rows = _env.BatchOf(states), actions = _env.ActionCount;
        if (targets.Length != states.Length)
            throw new ArgumentException($"Expected {states.Length} target integers for {rows} states; got {targets.Length}.", nameof(targets));
        if (masks.Length != rows * actions || forwardLogProbabilities.Length != rows * actions || guideLogProbabilities.Length != rows * actions)
            throw new ArgumentException($"Expected {rows * actions} masks and log-probabilities for {rows} states.");
        var stateArray = states.ToArray();
        var maskArray = masks.ToArray();
        var targetArray = targets.ToArray();
        var result = forwardLogProbabilities.ToArray();
        bool parallel = (long)rows * Math.Max(Count, 1) >= 1 << 16;
        if (_env.ActionModel == SequenceActionModel.PrependOrAppend)
        {
            if (parallel) Parallel.For(0, rows, r => ScoreRow(r, stateArray, maskArray, targetArray, result, null));
            else for (int r = 0; r < rows; r++) ScoreRow(r, stateArray, maskArray, targetArray, result, null);
        }
        else
        {
            // Write-any-blank and append: the support of "token t at position p" from s does not depend on the target, so
            // one pass over the buffer per distinct state (rows share states: every trajectory passes through s0).
            var distinct = new Dictionary<string, int>(StringComparer.Ordinal);
            var rowTable = new int[rows];
            var tableStates = new List<int>();
            for (int r = 0; r < rows; r++)
            {
                string key = string.Join(',', stateArray.AsSpan(r * _l, _l).ToArray());
                if (!distinct.TryGetValue(key, out int t)) { distinct.Add(key, t = tableStates.Count); tableStates.Add(r); }
                rowTable[r] = t;
            }
            var tables = new PositionTable[tableStates.Count];
            if (parallel) Parallel.For(0, tables.Length, t => tables[t] = TablePositions(stateArray.AsSpan(tableStates[t] * _l, _l)));
            else for (int t = 0; t < tables.Length; t++) tables[t] = TablePositions(stateArray.AsSpan(tableStates[t] * _l, _l));
            for (int r = 0; r < rows; r++) ScoreRow(r, stateArray, maskArray, targetArray, result, tables[rowTable[r]]);
        }
        result.CopyTo(guideLogProbabilities);
    }

    /// <summary>Overwrites row r of <paramref name="result"/> (which holds π_F) with π_G when the buffer supports an action;
    /// <paramref name="table"/> holds the row's position table (write-any-blank, append) or is <c>null</c> (prepend-or-append).</summary>
    private void ScoreRow(int r, int[] states, bool[] masks, int[] targets, float[] result, PositionTable? table)
    {
        int actions = _env.ActionCount, exit = actions - 1;
        var state = states.AsSpan(r * _l, _l);
        var target = targets.AsSpan(r * _l, _l);
        var mask = masks.AsSpan(r * actions, actions);
        if (mask[exit]) return;   // a full sequence: exit is its only action, π_F already puts all its mass there

        // The consistent actions: children (computed by the environment) from which the target is still reachable.
        var consistent = new List<int>();
        var children = new List<int[]>();
        var child = new int[_l];
        int[] action = [0];
        for (int a = 0; a < exit; a++)
        {
            if (!mask[a]) continue;
            state.CopyTo(child);
            action[0] = a;
            _env.Step(child, action);
            if (!Reaches(child, target)) continue;
            consistent.Add(a);
            children.Add((int[])child.Clone());
        }
        if (consistent.Count == 0) return;

        var sums = new double[consistent.Count];
        var counts = new int[consistent.Count];
        if (table is null) ScoreBlocks(state, children, sums, counts);
        else
            for (int i = 0; i < children.Count; i++)
                for (int p = 0; p < _l; p++)
                    if (children[i][p] != state[p])
                    {
                        int index = p * _env.Tokens + children[i][p];
                        sums[i] = table.Sums[index];
                        counts[i] = table.Counts[index];
                        break;
                    }

        bool any = false;
        for (int i = 0; i < sums.Length; i++) any |= counts[i] > 0 && sums[i] > 0;
        if (!any) return;     // no support anywhere: fall back to π_F
        var row = result.AsSpan(r * actions, actions);
        for (int a = 0; a < actions; a++) row[a] = mask[a] ? (float)LogFloor : float.NegativeInfinity;
        for (int i = 0; i < consistent.Count; i++)
            if (counts[i] > 0 && sums[i] > 0) row[consistent[i]] = (float)Math.Max(LogFloor, Math.Log(sums[i] / counts[i]));
        LogSoftmax.Masked(row, mask, actions);
    }

    /// <summary>For write-any-blank and append, the weight sum and count, for each blank position p and token t, of the
    /// buffered x′ that agree with s and have x′[p] = t: a child differs from s in one position, so this table scores
    /// every child of s.</summary>
    private sealed record PositionTable(double[] Sums, int[] Counts);

    private PositionTable TablePositions(ReadOnlySpan<int> state)
    {
        int k = _env.Tokens;
        var sums = new double[_l * k];
        var counts = new int[_l * k];
        int blankCount = 0, filledCount = 0;
        Span<int> blank = stackalloc int[_l];
        Span<int> filled = stackalloc int[_l];
        for (int p = 0; p < _l; p++)
            if (state[p] >= 0) filled[filledCount++] = p;
            else blank[blankCount++] = p;
        blank = blank[..blankCount];
        filled = filled[..filledCount];
        if (_packed is not null)
        {
            ulong mask = 0, packedState = 0, field = (1UL << _bits) - 1;
            foreach (int p in filled)
            {
                mask |= field << (p * _bits);
                packedState |= (ulong)state[p] << (p * _bits);
            }
            for (int slot = 0; slot < Count; slot++)
            {
                ulong x = _packed[slot];
                if ((x & mask) != packedState) continue;
                double weight = _weights[slot];
                foreach (int p in blank)
                {
                    int index = p * k + (int)((x >> (p * _bits)) & field);
                    sums[index] += weight;
                    counts[index]++;
                }
            }
            return new PositionTable(sums, counts);
        }
        var buffer = _sequences.AsSpan(0, Count * _l);
        for (int slot = 0, offset = 0; slot < Count; slot++, offset += _l)
        {
            bool agrees = true;
            foreach (int p in filled)
                if (buffer[offset + p] != state[p]) { agrees = false; break; }
            if (!agrees) continue;
            double weight = _weights[slot];
            foreach (int p in blank)
            {
                int index = p * k + buffer[offset + p];
                sums[index] += weight;
                counts[index]++;
            }
        }
        return new PositionTable(sums, counts);
    }

    /// <summary>Prepend-or-append: a buffered x′ reaches a state when the state's tokens occur as a block of x′.</summary>
    private void ScoreBlocks(ReadOnlySpan<int> state, List<int[]> children, double[] sums, int[] counts)
    {
        for (int slot = 0; slot < Count; slot++)
        {
            var buffered = _sequences.AsSpan(slot * _l, _l);
            if (!Reaches(state, buffered)) continue;
            for (int i = 0; i < children.Count; i++)
                if (Reaches(children[i], buffered)) { sums[i] += _weights[slot]; counts[i]++; }
        }
    }

    /// <summary>Whether the full sequence <paramref name="sequence"/> can be reached from <paramref name="state"/>.</summary>
    private bool Reaches(ReadOnlySpan<int> state, ReadOnlySpan<int> sequence)
    {
        if (_env.ActionModel != SequenceActionModel.PrependOrAppend)
        {
            for (int p = 0; p < _l; p++)
                if (state[p] >= 0 && state[p] != sequence[p]) return false;
            return true;
        }
        int m = state.IndexOf(-1);
        if (m < 0) m = _l;
        return sequence.IndexOf(state[..m]) >= 0;
    }

    private ulong Pack(ReadOnlySpan<int> sequence)
    {
        ulong packed = 0;
        for (int p = 0; p < _l; p++) packed |= (ulong)sequence[p] << (p * _bits);
        return packed;
    }

    private void Store(int slot, double logReward)
    {
        _logRewards[slot] = logReward;
        if (logReward > _shift)
        {
            // Keep the weights in (0, 1]: rescale the buffer to the new largest log-reward.
            double factor = double.IsNegativeInfinity(_shift) ? 0 : Math.Exp(_shift - logReward);
            for (int s = 0; s < Count; s++) _weights[s] *= factor;
            _shift = logReward;
        }
        _weights[slot] = Math.Exp(logReward - _shift);
    }

    private int Oldest()
    {
        while (true)
        {
            var (slot, stamp) = _order.Dequeue();
            if (_stamps[slot] == stamp) return slot;
        }
    }

    private void CompactOrder()
    {
        var live = _order.Where(e => _stamps[e.Slot] == e.Stamp).ToArray();
        _order.Clear();
        foreach (var e in live) _order.Enqueue(e);
    }

    /// <summary>Compares buffer slots by their sequences (the scratch row included).</summary>
    private sealed class SlotComparer(int[] sequences, int length) : IEqualityComparer<int>
    {
        public bool Equals(int a, int b) => sequences.AsSpan(a * length, length).SequenceEqual(sequences.AsSpan(b * length, length));

        public int GetHashCode(int slot)
        {
            var hash = new HashCode();
            foreach (int x in sequences.AsSpan(slot * length, length)) hash.Add(x);
            return hash.ToHashCode();
        }
    }
}
