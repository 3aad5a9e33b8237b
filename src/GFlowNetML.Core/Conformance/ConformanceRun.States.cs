namespace GFlowNetML.Conformance;

/// <summary>The per-state checks: masks against steps in both directions, exit, log-reward, encoding, and the topological
/// order of the enumeration on every edge out of a checked state.</summary>
internal sealed partial class ConformanceRun
{
    private const float EncodingGuard = -1.2345e-29f;

    private void CheckStates()
    {
        // The list grows while walking it only through AddState in earlier phases; copy to be safe.
        foreach (var state in _states.ToArray()) CheckState(state);
    }

    private void CheckState(int[] state)
    {
        var forward = ForwardMaskOf(state, ConformanceCheck.ForwardMask);
        var backward = BackwardMaskOf(state, ConformanceCheck.BackwardMask);
        if (forward is not null) CheckExit(state, forward);
        CheckEncoding(state);
        if (forward is not null)
            for (int a = 0; a < _exit; a++)
                if (forward[a]) CheckForwardAction(state, a);
        if (backward is not null && !IsInitial(state))
        {
            if (!backward.Contains(true))
                Fail(ConformanceCheck.BackwardMask, $"The state {F(state)} is not s0 but allows no backward action; every state reached from s0 has a parent.");
            for (int b = 0; b < _backward; b++)
                if (backward[b]) CheckBackwardAction(state, b);
        }
    }

    private void CheckExit(int[] state, bool[] forward)
    {
        if (!forward.Contains(true))
        {
            Fail(ConformanceCheck.Exit, $"The state {F(state)} allows no forward action, not even exit: a dead end (a state with no child must allow exit).");
            return;
        }
        if (!forward[_exit]) return;
        AddTerminal(state);
        var after = StepOf(state, _exit, ConformanceCheck.Exit);
        if (after is not null && !after.AsSpan().SequenceEqual(state))
            Fail(ConformanceCheck.Exit, $"Step with the exit action {_exit} changed the terminal state {F(state)} into {F(after)}; exit rows must be left unchanged.");
        double? logReward = LogRewardOf(state, ConformanceCheck.LogReward);
        if (logReward is double r && !double.IsFinite(r))
            Fail(ConformanceCheck.LogReward, $"The log-reward of the terminal state {F(state)} is {r}; log-rewards of valid terminal states must be finite (not NaN, not ±∞).");
        try { _env.IsMode(state); }
        catch (Exception e) { Fail(ConformanceCheck.LogReward, $"IsMode threw {Describe(e)} for the terminal state {F(state)}."); }
    }

    private void CheckEncoding(int[] state)
    {
        int guard = Math.Max(_encoding, 8);
        var features = new float[_encoding + guard];
        features.AsSpan(0, _encoding).Fill(float.NaN);
        features.AsSpan(_encoding).Fill(EncodingGuard);
        try { _env.Encode(state, features); }
        catch (Exception e)
        {
            Fail(ConformanceCheck.Encoding, $"Encode threw {Describe(e)} for the state {F(state)}.");
            return;
        }
        for (int i = 0; i < _encoding; i++)
            if (!float.IsFinite(features[i]))
            {
                Fail(ConformanceCheck.Encoding, $"Encode left feature {i} of the state {F(state)} {(float.IsNaN(features[i]) ? "NaN (non-finite, or not written: buffers are reused, so every feature must be written)" : features[i].ToString(System.Globalization.CultureInfo.InvariantCulture))}.");
                break;
            }
        for (int i = _encoding; i < features.Length; i++)
            if (BitConverter.SingleToInt32Bits(features[i]) != BitConverter.SingleToInt32Bits(EncodingGuard))
            {
                Fail(ConformanceCheck.Encoding, $"Encode wrote feature {i} for the state {F(state)}, beyond the declared EncodingWidth {_encoding}.");
                break;
            }
    }

    /// <summary>An allowed forward action: the child differs, allows the way back, and the way back returns the state.</summary>
    private void CheckForwardAction(int[] state, int action)
    {
        var child = StepOf(state, action, ConformanceCheck.ForwardMask);
        if (child is null) return;
        CheckEnumerationEdge(state, action, child);
        if (child.AsSpan().SequenceEqual(state))
        {
            Fail(ConformanceCheck.ForwardMask, $"The allowed action {action} leaves the state {F(state)} unchanged (a self-loop; only exit may do that).");
            return;
        }
        if (ToBackwardOf(state, action, ConformanceCheck.ForwardMask) is not int back) return;
        var childMask = BackwardMaskOf(child, ConformanceCheck.ForwardMask);
        if (childMask is null) return;
        if (!childMask[back])
        {
            Fail(ConformanceCheck.ForwardMask, $"The action {action} in {F(state)} leads to {F(child)}, whose backward mask {Allowed(childMask)} does not allow the way back, backward action {back} (ToBackwardActions).");
            return;
        }
        var parent = BackwardStepOf(child, back, ConformanceCheck.StepInverse);
        if (parent is not null && !parent.AsSpan().SequenceEqual(state))
            Fail(ConformanceCheck.StepInverse, $"Step({F(state)}, action {action}) = {F(child)}, but BackwardStep({F(child)}, backward action {back}) = {F(parent)}, not {F(state)}.");
        if (ToForwardOf(child, back, ConformanceCheck.StepInverse) is int again && again != action)
            Fail(ConformanceCheck.StepInverse, $"ToBackwardActions maps the action {action} in {F(state)} to the backward action {back}, but ToForwardActions maps {back} in {F(child)} back to the action {again}.");
    }

    /// <summary>An allowed backward action: the parent allows the way forward, which returns the state.</summary>
    private void CheckBackwardAction(int[] state, int backwardAction)
    {
        var parent = BackwardStepOf(state, backwardAction, ConformanceCheck.BackwardMask);
        if (parent is null) return;
        if (ToForwardOf(state, backwardAction, ConformanceCheck.BackwardMask) is not int action) return;
        var parentMask = ForwardMaskOf(parent, ConformanceCheck.BackwardMask);
        if (parentMask is null) return;
        if (!parentMask[action])
        {
            Fail(ConformanceCheck.BackwardMask, $"The backward action {backwardAction} in {F(state)} leads to {F(parent)}, whose forward mask {Allowed(parentMask)} does not allow the way forward, action {action} (ToForwardActions).");
            return;
        }
        var child = StepOf(parent, action, ConformanceCheck.BackwardMask);
        if (child is not null && !child.AsSpan().SequenceEqual(state))
            Fail(ConformanceCheck.BackwardMask, $"BackwardStep({F(state)}, backward action {backwardAction}) = {F(parent)}, but Step({F(parent)}, action {action}) = {F(child)}, not {F(state)}.");
        if (ToBackwardOf(parent, action, ConformanceCheck.BackwardMask) is int again && again != backwardAction)
            Fail(ConformanceCheck.BackwardMask, $"ToForwardActions maps the backward action {backwardAction} in {F(state)} to the action {action}, but ToBackwardActions maps {action} in {F(parent)} back to the backward action {again}.");
    }
}
