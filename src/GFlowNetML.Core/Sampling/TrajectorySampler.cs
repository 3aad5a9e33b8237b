using GFlowNetML.Environments;

namespace GFlowNetML.Sampling;

/// <summary>
/// Samples batches of complete trajectories from a forward policy: one policy call per step for all running
/// trajectories, actions drawn on the host from a seeded <see cref="GFlowNetRandom"/>, masked actions never taken.
/// </summary>
public sealed class TrajectorySampler
{
    private readonly GFlowNetEnvironment _env;

    /// <summary>Creates a sampler for an environment.</summary>
    public TrajectorySampler(GFlowNetEnvironment environment)
    {
        _env = environment ?? throw new ArgumentNullException(nameof(environment));
    }

    /// <summary>Samples <paramref name="batchSize"/> trajectories.</summary>
    /// <param name="policy">The forward policy.</param>
    /// <param name="batchSize">The number of trajectories (at least 1).</param>
    /// <param name="random">The random source; advanced by the draws.</param>
    /// <param name="epsilon">The probability of an ε-uniform exploration draw at each step, in [0, 1]: actions are drawn
    /// from (1 − ε)·π_F + ε·uniform(allowed actions). 0 is strictly on-policy.</param>
    public TrajectoryBatch Sample(IPolicy policy, int batchSize, GFlowNetRandom random, double epsilon = 0)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(random);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (!(epsilon >= 0 && epsilon <= 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must lie in [0, 1].");

        int width = _env.StateWidth, actions = _env.ActionCount, encoding = _env.EncodingWidth, exit = _env.ExitAction;
        var stepOffsets = new List<int> { 0 };
        var rowTrajectory = new GrowableArray<int>(batchSize * 4);
        var rowStates = new GrowableArray<int>(batchSize * 4 * width);
        var rowFeatures = new GrowableArray<float>(batchSize * 4 * encoding);
        var rowMasks = new GrowableArray<bool>(batchSize * 4 * actions);
        var rowLogProbs = new GrowableArray<float>(batchSize * 4 * actions);
        var rowActions = new GrowableArray<int>(batchSize * 4);
        var rowNext = new GrowableArray<int>(batchSize * 4);
        var lengths = new int[batchSize];
        var terminal = new int[batchSize * width];

        // The running trajectories, compacted: ids and current states.
        var ids = new int[batchSize];
        var states = new int[batchSize * width];
        for (int i = 0; i < batchSize; i++)
        {
            ids[i] = i;
            _env.WriteInitialState(states.AsSpan(i * width, width));
        }
        int running = batchSize;
        var stepActions = new int[batchSize];

        for (int t = 0; running > 0; t++)
        {
            if (t >= _env.MaxTrajectoryLength)
                throw new InvalidOperationException($"Environment '{_env.Name}' produced a trajectory longer than its MaxTrajectoryLength ({_env.MaxTrajectoryLength}).");
            int first = rowActions.Count;
            var curStates = states.AsSpan(0, running * width);
            curStates.CopyTo(rowStates.Append(running * width));
            var features = rowFeatures.Append(running * encoding);
            _env.Encode(curStates, features);
            var masks = rowMasks.Append(running * actions);
            _env.ForwardMasks(curStates, masks);
            var lp = rowLogProbs.Append(running * actions);
            policy.LogProbabilities(features, masks, running, lp);

            var acts = rowActions.Append(running);
            var owners = rowTrajectory.Append(running);
            rowNext.Append(running);
            for (int r = 0; r < running; r++)
            {
                acts[r] = Draw(lp.Slice(r * actions, actions), masks.Slice(r * actions, actions), random, epsilon);
                owners[r] = ids[r];
                stepActions[r] = acts[r];
            }
            _env.Step(curStates, stepActions.AsSpan(0, running));

            // Compact the survivors and link each row to its successor row.
            int next = 0, nextFirst = first + running;
            for (int r = 0; r < running; r++)
            {
                int id = ids[r];
                if (acts[r] == exit)
                {
                    lengths[id] = t + 1;
                    states.AsSpan(r * width, width).CopyTo(terminal.AsSpan(id * width, width));
                    SetNext(rowNext, first + r, -1);
                    continue;
                }
                SetNext(rowNext, first + r, nextFirst + next);
                ids[next] = id;
                if (next != r) states.AsSpan(r * width, width).CopyTo(states.AsSpan(next * width, width));
                next++;
            }
            running = next;
            stepOffsets.Add(rowActions.Count);
        }

        var logRewards = new double[batchSize];
        _env.LogReward(terminal, logRewards);
        for (int i = 0; i < batchSize; i++)
            if (double.IsNaN(logRewards[i]) || double.IsPositiveInfinity(logRewards[i]))
                throw new InvalidOperationException($"The log-reward of {_env.Format(terminal.AsSpan(i * width, width))} is {logRewards[i]}; log-rewards must be finite or −∞.");

        return new TrajectoryBatch(_env, batchSize, stepOffsets.ToArray(), rowTrajectory.ToArray(), rowStates.ToArray(),
            rowFeatures.ToArray(), rowMasks.ToArray(), rowLogProbs.ToArray(), rowActions.ToArray(), rowNext.ToArray(), lengths, terminal, logRewards);
    }

    private static void SetNext(GrowableArray<int> rowNext, int row, int value) => rowNext.Set(row, value);

    /// <summary>Draws one allowed action from (1 − ε)·exp(logp) + ε·uniform over the allowed actions.</summary>
    internal static int Draw(ReadOnlySpan<float> logp, ReadOnlySpan<bool> mask, GFlowNetRandom random, double epsilon)
    {
        int allowed = 0, last = -1;
        double total = 0;
        for (int a = 0; a < logp.Length; a++)
        {
            if (!mask[a]) continue;
            allowed++;
            last = a;
            total += Math.Exp(logp[a]);
        }
        if (allowed == 0) throw new InvalidOperationException("A state has no allowed forward action (not even exit).");
        double u = random.NextDouble();
        double cumulative = 0;
        for (int a = 0; a < logp.Length; a++)
        {
            if (!mask[a]) continue;
            double p = (1 - epsilon) * (total > 0 ? Math.Exp(logp[a]) / total : 1.0 / allowed) + epsilon / allowed;
            cumulative += p;
            if (u < cumulative) return a;
        }
        return last;
    }
}
