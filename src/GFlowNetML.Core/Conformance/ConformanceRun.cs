using GFlowNetML.Environments;
using GFlowNetML.Sampling;

namespace GFlowNetML.Conformance;

/// <summary>One run of the conformance checks on one environment: the shared state (states found, failures) and the
/// guarded calls into the environment. The checks themselves are in the other parts of this class.</summary>
internal sealed partial class ConformanceRun
{
    /// <summary>The longest walk (forward or backward) taken whatever MaxTrajectoryLength says.</summary>
    private const int WalkCap = 10_000;

    private readonly GFlowNetEnvironment _env;
    private readonly ConformanceOptions _options;
    private readonly GFlowNetRandom _random;
    private readonly Dictionary<string, List<ConformanceFailure>> _failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failureCounts = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string)> _reported = [];
    private readonly List<string> _notes = [];

    // The states that go through the per-state checks, in the order found (s0 first).
    private readonly List<int[]> _states = [];
    private readonly HashSet<int[]> _stateSet = new(StateComparer.Instance);
    // Distinct terminal states (exit allowed), in the order found.
    private readonly List<int[]> _terminals = [];
    private readonly HashSet<int[]> _terminalSet = new(StateComparer.Instance);
    private int _trajectories;

    private int _width, _actions, _backward, _encoding, _maxLength, _exit;
    private int[] _s0 = [];

    public ConformanceRun(GFlowNetEnvironment environment, ConformanceOptions options)
    {
        _env = environment;
        _options = options;
        _random = new GFlowNetRandom(options.Seed);
    }

    public ConformanceReport Run()
    {
        if (ReadShape() && InitialState())
        {
            Phase(LoadEnumeration);
            Phase(SampleTrajectories);
            Phase(CheckStates);
            Phase(CheckReversibility);
            Phase(CheckBackwardSampling);
            Phase(CheckBatches);
            Phase(CheckEnumerationContainsSampledStates);
        }
        var failures = new List<ConformanceFailure>();
        foreach (var (check, listed) in _failures)
        {
            failures.AddRange(listed);
            int more = _failureCounts[check] - listed.Count;
            if (more > 0) failures.Add(new ConformanceFailure(check, $"… and {more} more failures of this check, not listed."));
        }
        return new ConformanceReport(EnvironmentDescription(), failures, _notes, _states.Count, _trajectories);
    }

    private void Phase(Action phase)
    {
        try { phase(); }
        catch (Exception e) { Fail(ConformanceCheck.UnexpectedException, $"{Describe(e)} escaped the checks in {phase.Method.Name}."); }
    }

    private bool ReadShape()
    {
        try
        {
            _width = _env.StateWidth;
            _actions = _env.ActionCount;
            _backward = _env.BackwardActionCount;
            _encoding = _env.EncodingWidth;
            _maxLength = _env.MaxTrajectoryLength;
            _exit = _actions - 1;
        }
        catch (Exception e)
        {
            Fail(ConformanceCheck.Shape, $"Reading the declared sizes threw {Describe(e)}.");
            return false;
        }
        bool ok = true;
        if (_width < 1) ok = Fail(ConformanceCheck.Shape, $"StateWidth is {_width}; it must be at least 1.");
        if (_actions < 1) ok = Fail(ConformanceCheck.Shape, $"ActionCount is {_actions}; it must be at least 1 (the exit action).");
        if (_backward < 0) ok = Fail(ConformanceCheck.Shape, $"BackwardActionCount is {_backward}; it must be at least 0.");
        if (_encoding < 0) ok = Fail(ConformanceCheck.Shape, $"EncodingWidth is {_encoding}; it must be at least 0.");
        if (_maxLength < 1) ok = Fail(ConformanceCheck.Shape, $"MaxTrajectoryLength is {_maxLength}; it must be at least 1 (the exit action).");
        return ok;
    }

    private bool InitialState()
    {
        _s0 = new int[_width];
        try { _env.WriteInitialState(_s0); }
        catch (Exception e)
        {
            Fail(ConformanceCheck.InitialState, $"WriteInitialState threw {Describe(e)}.");
            return false;
        }
        _s0 = (int[])_s0.Clone();
        AddState(_s0);
        var mask = BackwardMaskOf(_s0, ConformanceCheck.InitialState);
        if (mask is not null && mask.Contains(true))
            Fail(ConformanceCheck.InitialState, $"s0 {F(_s0)} allows the backward actions {Allowed(mask)}; s0 has no parent, so it must allow none.");
        return true;
    }

    /// <summary>Records a failure (once per distinct message); returns <c>false</c> so that callers can write <c>ok = Fail(…)</c>.</summary>
    private bool Fail(string check, string message)
    {
        if (!_reported.Add((check, message))) return false;
        _failureCounts[check] = _failureCounts.GetValueOrDefault(check) + 1;
        if (!_failures.TryGetValue(check, out var list)) _failures[check] = list = [];
        if (list.Count < _options.MaxFailuresPerCheck) list.Add(new ConformanceFailure(check, message));
        return false;
    }

    private void AddState(int[] state)
    {
        if (_stateSet.Add(state)) _states.Add(state);
    }

    private void AddTerminal(int[] state)
    {
        if (_terminalSet.Add(state)) _terminals.Add(state);
    }

    private bool IsInitial(int[] state) => state.AsSpan().SequenceEqual(_s0);

    // ---- Guarded one-state calls: null (after reporting under the given check) when the environment throws. ----

    private bool[]? ForwardMaskOf(int[] state, string check)
    {
        var mask = new bool[_actions];
        try { _env.ForwardMasks(state, mask); return mask; }
        catch (Exception e) { Fail(check, $"ForwardMasks threw {Describe(e)} for the state {F(state)}."); return null; }
    }

    private bool[]? BackwardMaskOf(int[] state, string check)
    {
        var mask = new bool[_backward];
        try { _env.BackwardMasks(state, mask); return mask; }
        catch (Exception e) { Fail(check, $"BackwardMasks threw {Describe(e)} for the state {F(state)}."); return null; }
    }

    private int[]? StepOf(int[] state, int action, string check)
    {
        var next = (int[])state.Clone();
        try { _env.Step(next, [action]); return next; }
        catch (Exception e) { Fail(check, $"Step threw {Describe(e)} for the allowed action {action} in the state {F(state)}."); return null; }
    }

    private int[]? BackwardStepOf(int[] state, int backwardAction, string check)
    {
        var next = (int[])state.Clone();
        try { _env.BackwardStep(next, [backwardAction]); return next; }
        catch (Exception e) { Fail(check, $"BackwardStep threw {Describe(e)} for the allowed backward action {backwardAction} in the state {F(state)}."); return null; }
    }

    /// <summary>The backward action of the child that undoes a non-exit forward action, checked to be in range.</summary>
    private int? ToBackwardOf(int[] parent, int action, string check)
    {
        var result = new int[1];
        try { _env.ToBackwardActions(parent, [action], result); }
        catch (Exception e) { Fail(check, $"ToBackwardActions threw {Describe(e)} for the action {action} in the state {F(parent)}."); return null; }
        if ((uint)result[0] < (uint)_backward) return result[0];
        Fail(check, $"ToBackwardActions maps the action {action} in the state {F(parent)} to {result[0]}, outside the backward actions 0..{_backward - 1}.");
        return null;
    }

    /// <summary>The forward action of the parent that a backward action undoes, checked to be a non-exit action.</summary>
    private int? ToForwardOf(int[] child, int backwardAction, string check)
    {
        var result = new int[1];
        try { _env.ToForwardActions(child, [backwardAction], result); }
        catch (Exception e) { Fail(check, $"ToForwardActions threw {Describe(e)} for the backward action {backwardAction} in the state {F(child)}."); return null; }
        if ((uint)result[0] < (uint)_exit) return result[0];
        Fail(check, $"ToForwardActions maps the backward action {backwardAction} in the state {F(child)} to {result[0]}, outside the non-exit actions 0..{_exit - 1}.");
        return null;
    }

    private double? LogRewardOf(int[] state, string check)
    {
        var result = new double[1];
        try { _env.LogReward(state, result); return result[0]; }
        catch (Exception e) { Fail(check, $"LogReward threw {Describe(e)} for the terminal state {F(state)}."); return null; }
    }

    // ---- Formatting ----

    /// <summary>The state as the environment formats it, or its raw integers when Format throws.</summary>
    private string F(ReadOnlySpan<int> state)
    {
        try { return _env.Format(state); }
        catch (Exception) { return "(" + string.Join(", ", state.ToArray()) + ")"; }
    }

    private static string Allowed(bool[] mask)
    {
        var allowed = new List<int>();
        for (int i = 0; i < mask.Length; i++) if (mask[i]) allowed.Add(i);
        return "[" + string.Join(", ", allowed) + "]";
    }

    private static string Describe(Exception e) => $"{e.GetType().Name} ('{e.Message}')";

    private string EnvironmentDescription()
    {
        try { return _env.Description; }
        catch (Exception) { return _env.GetType().Name; }
    }
}
