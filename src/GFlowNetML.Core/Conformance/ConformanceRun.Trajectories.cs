namespace GFlowNetML.Conformance;

/// <summary>The trajectory checks: seeded random forward walks (which also collect the states to check), their
/// reversal, and uniform backward sampling from terminal states.</summary>
internal sealed partial class ConformanceRun
{
    /// <summary>A sampled forward trajectory: States[t + 1] = Step(States[t], Actions[t]); the exit action is not stored.</summary>
    private sealed record Walk(List<int[]> States, List<int> Actions);

    private readonly List<Walk> _walks = [];

    private void SampleTrajectories()
    {
        int cap = Math.Min(_maxLength, WalkCap);
        if (_maxLength > WalkCap) _notes.Add($"Forward and backward walks were cut at {WalkCap} steps (MaxTrajectoryLength is {_maxLength}).");
        for (int w = 0; w < _options.Trajectories; w++)
        {
            bool longest = (w & 1) == 1;
            var walk = new Walk([_s0], []);
            var visited = new HashSet<int[]>(StateComparer.Instance) { _s0 };
            var state = _s0;
            _trajectories++;
            for (int t = 0; ; t++)
            {
                if (t >= cap)
                {
                    if (t >= _maxLength)
                        Fail(ConformanceCheck.TrajectoryLength, $"A forward trajectory took {t} actions from s0 without being able to stop within MaxTrajectoryLength = {_maxLength} (exit included); it is at {F(state)} after the actions {Actions(walk.Actions)}.");
                    break;
                }
                var mask = ForwardMaskOf(state, ConformanceCheck.ForwardMask);
                if (mask is null) break;
                int action = Choose(mask, longest);
                if (action < 0 || action == _exit)
                {
                    if (action == _exit) AddTerminal(state);
                    break;   // a dead end is reported by the per-state checks
                }
                var child = StepOf(state, action, ConformanceCheck.ForwardMask);
                if (child is null) break;
                if (!visited.Add(child))
                {
                    Fail(ConformanceCheck.TrajectoryLength, $"The action {action} in {F(state)} leads to {F(child)}, which the trajectory already visited (the actions from s0 were {Actions(walk.Actions)}): the state graph has a cycle.");
                    break;
                }
                AddState(child);
                walk.States.Add(child);
                walk.Actions.Add(action);
                state = child;
            }
            _walks.Add(walk);
        }
    }

    /// <summary>Uniform over the allowed actions, or (longest) uniform over the allowed non-exit actions, exit only when
    /// nothing else is allowed; −1 when nothing is allowed.</summary>
    private int Choose(bool[] mask, bool longest)
    {
        int allowed = 0, nonExit = 0;
        for (int a = 0; a < mask.Length; a++)
            if (mask[a]) { allowed++; if (a != _exit) nonExit++; }
        if (allowed == 0) return -1;
        bool skipExit = longest && nonExit > 0;
        int pick = _random.NextInt(skipExit ? nonExit : allowed);
        for (int a = 0; a < mask.Length; a++)
            if (mask[a] && !(skipExit && a == _exit) && pick-- == 0) return a;
        return -1;
    }

    private void CheckReversibility()
    {
        foreach (var walk in _walks)
        {
            var current = walk.States[^1];
            for (int t = walk.Actions.Count - 1; t >= 0; t--)
            {
                var parent = walk.States[t];
                int action = walk.Actions[t];
                if (ToBackwardOf(parent, action, ConformanceCheck.Reversibility) is not int back) break;
                var mask = BackwardMaskOf(current, ConformanceCheck.Reversibility);
                if (mask is null) break;
                if (!mask[back])
                {
                    Fail(ConformanceCheck.Reversibility, $"Reversing a sampled trajectory: in {F(current)}, reached from {F(parent)} by the action {action}, the backward action {back} (ToBackwardActions) is not allowed; allowed: {Allowed(mask)}.");
                    break;
                }
                var previous = BackwardStepOf(current, back, ConformanceCheck.Reversibility);
                if (previous is null) break;
                if (!previous.AsSpan().SequenceEqual(parent))
                {
                    Fail(ConformanceCheck.Reversibility, $"Reversing a sampled trajectory: the backward action {back} in {F(current)} gives {F(previous)}, but the trajectory came from {F(parent)} (action {action}).");
                    break;
                }
                if (ToForwardOf(current, back, ConformanceCheck.Reversibility) is int again && again != action)
                {
                    Fail(ConformanceCheck.Reversibility, $"Reversing a sampled trajectory: ToForwardActions maps the backward action {back} in {F(current)} to the action {again}, but the trajectory took the action {action} from {F(parent)}.");
                    break;
                }
                current = previous;
            }
        }
    }

    private void CheckBackwardSampling()
    {
        if (_terminals.Count == 0)
        {
            _notes.Add("No terminal state was found, so backward sampling was not checked.");
            return;
        }
        int cap = Math.Min(_maxLength - 1, WalkCap);
        for (int w = 0; w < _options.Trajectories; w++)
        {
            var start = _terminals[_random.NextInt(_terminals.Count)];
            var current = start;
            for (int steps = 0; !IsInitial(current); steps++)
            {
                if (steps >= cap)
                {
                    if (steps >= _maxLength - 1)
                        Fail(ConformanceCheck.BackwardSampling, $"Backward sampling from the terminal state {F(start)} did not reach s0 within MaxTrajectoryLength − 1 = {_maxLength - 1} backward steps; it is at {F(current)}.");
                    break;
                }
                var mask = BackwardMaskOf(current, ConformanceCheck.BackwardSampling);
                if (mask is null) break;
                int allowed = 0;
                foreach (bool m in mask) if (m) allowed++;
                if (allowed == 0)
                {
                    Fail(ConformanceCheck.BackwardSampling, $"Backward sampling from the terminal state {F(start)} is stuck after {steps} steps at {F(current)}: no backward action is allowed there, but it is not s0.");
                    break;
                }
                int pick = _random.NextInt(allowed), back = -1;
                for (int b = 0; b < mask.Length && back < 0; b++) if (mask[b] && pick-- == 0) back = b;
                var previous = BackwardStepOf(current, back, ConformanceCheck.BackwardSampling);
                if (previous is null) break;
                current = previous;
            }
        }
    }

    private static string Actions(List<int> actions)
        => actions.Count <= 20
            ? "[" + string.Join(", ", actions) + "]"
            : "[" + string.Join(", ", actions.Take(20)) + $", … ({actions.Count} in all)]";
}
