namespace GFlowNetML.Conformance;

/// <summary>The enumeration checks: s0 first, no duplicates, every child after its parent (checked on the edges of the
/// per-state checks), every state reached by a random trajectory included.</summary>
internal sealed partial class ConformanceRun
{
    private Dictionary<int[], int>? _index;

    private void LoadEnumeration()
    {
        int[]? all;
        try { all = _env.EnumerateStates(); }
        catch (Exception e)
        {
            Fail(ConformanceCheck.Enumeration, $"EnumerateStates threw {Describe(e)}.");
            return;
        }
        if (all is null)
        {
            _notes.Add("EnumerateStates returned null (the space is not enumerable), so the enumeration was not checked.");
            return;
        }
        if (all.Length == 0 || all.Length % _width != 0)
        {
            Fail(ConformanceCheck.Enumeration, $"EnumerateStates returned {all.Length} integers, not a non-empty multiple of the state width {_width}.");
            return;
        }
        int count = all.Length / _width;
        if (!all.AsSpan(0, _width).SequenceEqual(_s0))
            Fail(ConformanceCheck.Enumeration, $"The enumeration must start with s0 {F(_s0)}; it starts with {F(all.AsSpan(0, _width))}.");
        if (count > _options.MaxEnumeratedStates)
        {
            _notes.Add($"The enumeration holds {count} states, more than MaxEnumeratedStates ({_options.MaxEnumeratedStates}): only its first state was checked.");
            return;
        }
        _index = new Dictionary<int[], int>(count, StateComparer.Instance);
        for (int i = 0; i < count; i++)
        {
            var state = all.AsSpan(i * _width, _width).ToArray();
            if (!_index.TryAdd(state, i))
                Fail(ConformanceCheck.Enumeration, $"The enumeration holds the state {F(state)} twice, at indices {_index[state]} and {i}.");
        }
        if (count <= _options.MaxExhaustiveStates)
        {
            for (int i = 0; i < count; i++) AddState(all.AsSpan(i * _width, _width).ToArray());
        }
        else
        {
            _notes.Add($"The enumeration holds {count} states, more than MaxExhaustiveStates ({_options.MaxExhaustiveStates}): the per-state checks and its topological order were checked on the sampled states only.");
        }
    }

    /// <summary>Called for every allowed forward edge of a checked state: the child must be enumerated after the parent.</summary>
    private void CheckEnumerationEdge(int[] parent, int action, int[] child)
    {
        if (_index is null || !_index.TryGetValue(parent, out int i)) return;
        if (!_index.TryGetValue(child, out int j))
            Fail(ConformanceCheck.Enumeration, $"The child {F(child)} of {F(parent)} (action {action}) is missing from the enumeration.");
        else if (j <= i)
            Fail(ConformanceCheck.Enumeration, $"The enumeration is not in topological order: {F(parent)} at index {i} has the child {F(child)} (action {action}) at index {j}; every child must come after its parent.");
    }

    private void CheckEnumerationContainsSampledStates()
    {
        if (_index is null) return;
        foreach (var walk in _walks)
            foreach (var state in walk.States)
                if (!_index.ContainsKey(state))
                    Fail(ConformanceCheck.Enumeration, $"The state {F(state)}, reached from s0 by a random trajectory, is missing from the enumeration.");
    }
}
