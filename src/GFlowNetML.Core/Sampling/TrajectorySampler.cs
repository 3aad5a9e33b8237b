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
        => Sample(policy, batchSize, random, epsilon, CancellationToken.None);

    /// <summary>As <see cref="Sample(IPolicy, int, GFlowNetRandom, double)"/>, checking <paramref name="cancellationToken"/>
    /// before every step, so that a long batch stops within one policy call (throwing
    /// <see cref="OperationCanceledException"/>; <paramref name="random"/> has then advanced part-way).</summary>
    public TrajectoryBatch Sample(IPolicy policy, int batchSize, GFlowNetRandom random, double epsilon, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(random);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (!(epsilon >= 0 && epsilon <= 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must lie in [0, 1].");

        int width = _env.StateWidth, exit = _env.ExitAction;
        var rows = new RowRecorder(_env, _env.ActionCount, _env.ForwardMasks, batchSize * 4);
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

        for (int t = 0; running > 0; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (t >= _env.MaxTrajectoryLength)
                throw new InvalidOperationException($"Environment '{_env.Name}' produced a trajectory longer than its MaxTrajectoryLength ({_env.MaxTrajectoryLength}).");
            var current = states.AsSpan(0, running * width);
            var acts = rows.Step(current, ids.AsSpan(0, running), policy, random, epsilon, out int first);
            _env.Step(current, acts);

            var ended = acts.ToArray();
            running = rows.EndStep(first, ids.AsSpan(0, running), current, (r, id) =>
            {
                if (ended[r] != exit) return false;
                lengths[id] = t + 1;
                states.AsSpan(r * width, width).CopyTo(terminal.AsSpan(id * width, width));
                return true;
            });
        }

        var logRewards = new double[batchSize];
        _env.LogReward(terminal, logRewards);
        for (int i = 0; i < batchSize; i++)
            if (double.IsNaN(logRewards[i]) || double.IsPositiveInfinity(logRewards[i]))
                throw new InvalidOperationException($"The log-reward of {_env.Format(terminal.AsSpan(i * width, width))} is {logRewards[i]}; log-rewards must be finite or −∞.");

        return new TrajectoryBatch(_env, batchSize, rows.StepOffsets, rows.Trajectory, rows.States, rows.Features, rows.Masks,
            rows.LogProbabilities, rows.Actions, rows.Next, lengths, terminal, logRewards);
    }

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
