using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Sampling;

namespace GFlowNetML.Core.Tests;

/// <summary>The forward policy that is uniform over the allowed actions (it ignores the features).</summary>
internal sealed class UniformPolicy : IPolicy
{
    public int Calls { get; private set; }

    public void LogProbabilities(ReadOnlySpan<float> features, ReadOnlySpan<bool> masks, int rows, Span<float> logProbabilities)
    {
        Calls++;
        int actions = masks.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            int allowed = 0;
            for (int a = 0; a < actions; a++) if (masks[r * actions + a]) allowed++;
            for (int a = 0; a < actions; a++)
                logProbabilities[r * actions + a] = masks[r * actions + a] ? -MathF.Log(allowed) : float.NegativeInfinity;
        }
    }
}

/// <summary>A policy that puts probability 1 on one fixed action index in every state, whether it is allowed or not.</summary>
internal sealed class FixedActionPolicy(int action) : IPolicy
{
    public void LogProbabilities(ReadOnlySpan<float> features, ReadOnlySpan<bool> masks, int rows, Span<float> logProbabilities)
    {
        int actions = masks.Length / rows;
        for (int i = 0; i < rows * actions; i++) logProbabilities[i] = i % actions == action ? 0f : float.NegativeInfinity;
    }
}

/// <summary>A policy that takes the lowest allowed non-exit action, and exits only when nothing else is allowed.</summary>
internal sealed class ClimbPolicy : IPolicy
{
    public void LogProbabilities(ReadOnlySpan<float> features, ReadOnlySpan<bool> masks, int rows, Span<float> logProbabilities)
    {
        int actions = masks.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            int chosen = actions - 1;
            for (int a = 0; a < actions - 1; a++) if (masks[r * actions + a]) { chosen = a; break; }
            for (int a = 0; a < actions; a++) logProbabilities[r * actions + a] = a == chosen ? 0f : float.NegativeInfinity;
        }
    }
}

/// <summary>Policies written as full tables over an enumerated state space.</summary>
internal static class PolicyTables
{
    /// <summary>log π(a|s) = −log(#allowed actions of s) for allowed actions, −∞ otherwise.</summary>
    public static double[] Uniform(StateSpace space)
    {
        int actions = space.Environment.ActionCount;
        var logProbs = new double[space.Count * actions];
        for (int s = 0; s < space.Count; s++)
        {
            int allowed = 0;
            for (int a = 0; a < actions; a++) if (space.ForwardMask[s * actions + a]) allowed++;
            for (int a = 0; a < actions; a++)
                logProbs[s * actions + a] = space.ForwardMask[s * actions + a] ? -Math.Log(allowed) : double.NegativeInfinity;
        }
        return logProbs;
    }

    /// <summary>A softmax over the allowed actions of random logits in [−3, 3).</summary>
    public static double[] Random(StateSpace space, long seed)
    {
        var random = new GFlowNetRandom(seed);
        int actions = space.Environment.ActionCount;
        var logProbs = new double[space.Count * actions];
        var logits = new double[actions];
        for (int s = 0; s < space.Count; s++)
        {
            double max = double.NegativeInfinity;
            for (int a = 0; a < actions; a++)
            {
                logits[a] = space.ForwardMask[s * actions + a] ? 6 * random.NextDouble() - 3 : double.NegativeInfinity;
                max = Math.Max(max, logits[a]);
            }
            double sum = 0;
            for (int a = 0; a < actions; a++) sum += Math.Exp(logits[a] - max);
            double logNorm = max + Math.Log(sum);
            for (int a = 0; a < actions; a++) logProbs[s * actions + a] = logits[a] - logNorm;
        }
        return logProbs;
    }
}

/// <summary>
/// A chain 0 → 1 → … → L−1 (one integer per state, every state terminal, R = 1) whose enumeration order is given
/// explicitly, to test what <see cref="StateSpace"/> accepts.
/// </summary>
internal sealed class ChainEnvironment(int length, int[]? enumeration, int? maxTrajectoryLength = null) : GFlowNetEnvironment
{
    public override string Name => "chain";
    public override int StateWidth => 1;
    public override int ActionCount => 2;
    public override int BackwardActionCount => 1;
    public override int EncodingWidth => 1;
    public override int MaxTrajectoryLength => maxTrajectoryLength ?? length;

    public override void WriteInitialState(Span<int> state) => state[0] = 0;

    public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
    {
        for (int i = 0; i < states.Length; i++)
        {
            masks[2 * i] = states[i] < length - 1;
            masks[2 * i + 1] = true;
        }
    }

    public override void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
    {
        for (int i = 0; i < states.Length; i++) masks[i] = states[i] > 0;
    }

    public override void Step(Span<int> states, ReadOnlySpan<int> actions)
    {
        for (int i = 0; i < states.Length; i++)
        {
            if (actions[i] == 1) continue;
            if (actions[i] != 0 || states[i] >= length - 1) throw new ArgumentException("illegal action", nameof(actions));
            states[i]++;
        }
    }

    public override void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions)
    {
        for (int i = 0; i < states.Length; i++)
        {
            if (backwardActions[i] != 0 || states[i] <= 0) throw new ArgumentException("illegal action", nameof(backwardActions));
            states[i]--;
        }
    }

    public override void ToBackwardActions(ReadOnlySpan<int> parents, ReadOnlySpan<int> actions, Span<int> backwardActions)
        => backwardActions[..parents.Length].Clear();

    public override void ToForwardActions(ReadOnlySpan<int> children, ReadOnlySpan<int> backwardActions, Span<int> actions)
        => actions[..children.Length].Clear();

    public override void Encode(ReadOnlySpan<int> states, Span<float> features)
    {
        for (int i = 0; i < states.Length; i++) features[i] = states[i];
    }

    public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards) => logRewards[..states.Length].Clear();

    public override int[]? EnumerateStates() => enumeration?.ToArray();
}
