namespace GFlowNetML.Conformance;

/// <summary>The batch check: every batched member, called on a batch of diverse states, equals the one-by-one calls, and
/// writes every output value whatever the buffer held before.</summary>
internal sealed partial class ConformanceRun
{
    private const string Batch = ConformanceCheck.BatchConsistency;

    private void CheckBatches()
    {
        var rows = BatchRows();
        int n = rows.Count;
        var states = new int[n * _width];
        for (int i = 0; i < n; i++) rows[i].CopyTo(states, i * _width);

        CompareMasks("ForwardMasks", rows, states, _actions, (s, m) => _env.ForwardMasks(s, m), s => ForwardMaskOf(s, Batch));
        CompareMasks("BackwardMasks", rows, states, _backward, (s, m) => _env.BackwardMasks(s, m), s => BackwardMaskOf(s, Batch));
        CompareEncode(rows, states);
        CompareLogRewards(rows);
        var forward = rows.Select(row => ForwardMaskOf(row, Batch)).ToArray();

        // Step: one random allowed action per row (exit included), for the rows that allow one.
        var stepRows = new List<int>();
        var stepActions = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (forward[i] is not bool[] mask) continue;
            int a = Choose(mask, longest: false);
            if (a >= 0) { stepRows.Add(i); stepActions.Add(a); }
        }
        CompareSteps("Step", rows, stepRows, stepActions, (s, a) => _env.Step(s, a), (s, a) => StepOf(s, a, Batch));
        var moveRows = new List<int>();
        var moveActions = new List<int>();
        for (int r = 0; r < stepRows.Count; r++)
            if (stepActions[r] != _exit) { moveRows.Add(stepRows[r]); moveActions.Add(stepActions[r]); }
        CompareActionMaps("ToBackwardActions", rows, moveRows, moveActions, (s, a, o) => _env.ToBackwardActions(s, a, o), (s, a) => ToBackwardOf(s, a, Batch));

        // BackwardStep: one random allowed backward action per row that has one.
        var backRows = new List<int>();
        var backActions = new List<int>();
        for (int i = 0; i < n; i++)
        {
            var mask = BackwardMaskOf(rows[i], Batch);
            if (mask is null || !mask.Contains(true)) continue;
            var allowed = Enumerable.Range(0, mask.Length).Where(b => mask[b]).ToArray();
            backRows.Add(i);
            backActions.Add(allowed[_random.NextInt(allowed.Length)]);
        }
        CompareSteps("BackwardStep", rows, backRows, backActions, (s, a) => _env.BackwardStep(s, a), (s, a) => BackwardStepOf(s, a, Batch));
        CompareActionMaps("ToForwardActions", rows, backRows, backActions, (s, a, o) => _env.ToForwardActions(s, a, o), (s, a) => ToForwardOf(s, a, Batch));
    }

    /// <summary>s0, up to half the batch of terminal states, and the rest from the other checked states, drawn at random.</summary>
    private List<int[]> BatchRows()
    {
        int size = _options.BatchSize;
        var rows = new List<int[]> { _s0 };
        var chosen = new HashSet<int[]>(StateComparer.Instance) { _s0 };
        foreach (var state in Shuffled(_terminals).Take(Math.Max(1, size / 2)))
            if (rows.Count < size && chosen.Add(state)) rows.Add(state);
        foreach (var state in Shuffled(_states))
        {
            if (rows.Count >= size) break;
            if (chosen.Add(state)) rows.Add(state);
        }
        return rows;
    }

    private List<int[]> Shuffled(List<int[]> states)
    {
        var copy = new List<int[]>(states);
        for (int i = copy.Count - 1; i > 0; i--)
        {
            int j = _random.NextInt(i + 1);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }
        return copy;
    }

    /// <summary>Runs a batched mask twice (buffer prefilled true, then false, with a guard beyond the end) and compares with
    /// one-by-one masks.</summary>
    private void CompareMasks(string member, List<int[]> rows, int[] states, int width,
        Action<int[], bool[]> batched, Func<int[], bool[]?> single)
    {
        int n = rows.Count, guard = Math.Max(width, 1);
        var runs = new bool[2][];
        for (int run = 0; run < 2; run++)
        {
            bool fill = run == 0;
            var buffer = new bool[n * width + guard];
            Array.Fill(buffer, fill);
            try { batched(states, buffer); }
            catch (Exception e)
            {
                Fail(Batch, $"Batched {member} threw {Describe(e)} on a batch of {n} states.");
                return;
            }
            for (int i = n * width; i < buffer.Length; i++)
                if (buffer[i] != fill)
                {
                    Fail(Batch, $"Batched {member} wrote beyond the {n}·{width} flags of a batch of {n} states.");
                    break;
                }
            runs[run] = buffer;
        }
        for (int i = 0; i < n; i++)
        {
            var one = single(rows[i]);
            var row0 = runs[0].AsSpan(i * width, width);
            var row1 = runs[1].AsSpan(i * width, width);
            if (!row0.SequenceEqual(row1))
                Fail(Batch, $"Batched {member} does not write every flag of row {i} ({F(rows[i])}): the result depends on what the buffer held before.");
            else if (one is not null && !row0.SequenceEqual(one))
                Fail(Batch, $"Batched {member} differs from the one-by-one call for row {i} ({F(rows[i])}) of a batch of {n}: batched allows {Allowed(row0.ToArray())}, one-by-one allows {Allowed(one)}.");
        }
    }

    private void CompareEncode(List<int[]> rows, int[] states)
    {
        int n = rows.Count, width = _encoding;
        var batched = new float[n * width + Math.Max(width, 8)];
        Array.Fill(batched, float.NaN);
        try { _env.Encode(states, batched); }
        catch (Exception e)
        {
            Fail(Batch, $"Batched Encode threw {Describe(e)} on a batch of {n} states.");
            return;
        }
        for (int i = 0; i < n; i++)
        {
            var single = new float[width];
            try { _env.Encode(rows[i], single); }
            catch (Exception) { continue; }   // reported by the encoding check
            for (int f = 0; f < width; f++)
                if (BitConverter.SingleToInt32Bits(single[f]) != BitConverter.SingleToInt32Bits(batched[i * width + f]))
                {
                    Fail(Batch, $"Batched Encode differs from the one-by-one call for row {i} ({F(rows[i])}) of a batch of {n}: feature {f} is {batched[i * width + f]} batched, {single[f]} one by one.");
                    break;
                }
        }
    }

    private void CompareLogRewards(List<int[]> rows)
    {
        var terminals = rows.Where(_terminalSet.Contains).ToList();
        if (terminals.Count == 0) return;
        var states = new int[terminals.Count * _width];
        for (int i = 0; i < terminals.Count; i++) terminals[i].CopyTo(states, i * _width);
        var batched = new double[terminals.Count + 1];
        Array.Fill(batched, double.NaN);
        try { _env.LogReward(states, batched); }
        catch (Exception e)
        {
            Fail(Batch, $"Batched LogReward threw {Describe(e)} on a batch of {terminals.Count} terminal states.");
            return;
        }
        if (!double.IsNaN(batched[^1])) Fail(Batch, $"Batched LogReward wrote beyond the {terminals.Count} log-rewards of its batch.");
        for (int i = 0; i < terminals.Count; i++)
            if (LogRewardOf(terminals[i], Batch) is double single && !single.Equals(batched[i]))
                Fail(Batch, $"Batched LogReward differs from the one-by-one call for the terminal state {F(terminals[i])} (row {i} of {terminals.Count}): {batched[i]} batched, {single} one by one.");
    }

    /// <summary>Compares a batched Step or BackwardStep on the selected rows with the one-by-one calls.</summary>
    private void CompareSteps(string member, List<int[]> rows, List<int> selected, List<int> actions,
        Action<int[], int[]> batched, Func<int[], int, int[]?> single)
    {
        int n = selected.Count;
        if (n == 0) return;
        var states = new int[n * _width];
        for (int r = 0; r < n; r++) rows[selected[r]].CopyTo(states, r * _width);
        try { batched(states, actions.ToArray()); }
        catch (Exception e)
        {
            Fail(Batch, $"Batched {member} threw {Describe(e)} on a batch of {n} states, each with an allowed action.");
            return;
        }
        for (int r = 0; r < n; r++)
        {
            var state = rows[selected[r]];
            if (single(state, actions[r]) is not int[] one) continue;
            var row = states.AsSpan(r * _width, _width);
            if (!row.SequenceEqual(one))
                Fail(Batch, $"Batched {member} differs from the one-by-one call for row {r} of a batch of {n}: ({F(state)}, action {actions[r]}) gives {F(row)} batched, {F(one)} one by one.");
        }
    }

    /// <summary>Compares a batched ToBackwardActions or ToForwardActions on the selected rows with the one-by-one calls.</summary>
    private void CompareActionMaps(string member, List<int[]> rows, List<int> selected, List<int> actions,
        Action<int[], int[], int[]> batched, Func<int[], int, int?> single)
    {
        int n = selected.Count;
        if (n == 0) return;
        var states = new int[n * _width];
        for (int r = 0; r < n; r++) rows[selected[r]].CopyTo(states, r * _width);
        var result = new int[n];
        try { batched(states, actions.ToArray(), result); }
        catch (Exception e)
        {
            Fail(Batch, $"Batched {member} threw {Describe(e)} on a batch of {n} states.");
            return;
        }
        for (int r = 0; r < n; r++)
            if (single(rows[selected[r]], actions[r]) is int one && one != result[r])
                Fail(Batch, $"Batched {member} differs from the one-by-one call for row {r} of a batch of {n}: ({F(rows[selected[r]])}, {actions[r]}) maps to {result[r]} batched, {one} one by one.");
    }
}
