namespace GFlowNetML.Onnx;

/// <summary>
/// The host-driven sampling loop, for any environment: per step, the host encodes the running states and computes
/// their masks, one policy call covers the whole batch, and each sample draws its action by Gumbel-max from its own
/// uniforms (the same ones the whole-trajectory graph reads), then the environment steps.
/// </summary>
internal static class HostDrivenSampler
{
    /// <summary>Samples rows <paramref name="start"/>…start+rows−1 of a draw; checks <paramref name="cancellationToken"/>
    /// before every step, so that a long batch stops within one policy call.</summary>
    public static void Sample(SamplerSession session, int start, int rows, long seed, Span<int> states, Span<double> logProbabilities, Span<int> lengths,
        CancellationToken cancellationToken = default)
    {
        var env = session.Environment;
        int width = env.StateWidth, actions = env.ActionCount, encoding = env.EncodingWidth, exit = env.ExitAction;
        var randoms = new TrajectoryRandom[rows];
        var multipliers = TrajectoryRandom.Multipliers(actions);
        var uniforms = new float[actions];
        var running = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            randoms[i] = new TrajectoryRandom(Sampling.GFlowNetRandom.Derive(seed, start + i, Sampling.SeedDomain.SampleRow));
            running[i] = i;
            env.WriteInitialState(states.Slice(i * width, width));
            logProbabilities[i] = 0;
            lengths[i] = 0;
        }
        int count = rows;
        var current = new int[rows * width];
        var chosen = new int[rows];
        for (int t = 0; count > 0; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (t >= env.MaxTrajectoryLength)
                throw new InvalidOperationException($"Environment '{env.Name}' produced a trajectory longer than its MaxTrajectoryLength ({env.MaxTrajectoryLength}).");
            for (int j = 0; j < count; j++) states.Slice(running[j] * width, width).CopyTo(current.AsSpan(j * width, width));
            var active = current.AsSpan(0, count * width);
            var features = new float[count * encoding];
            var masks = new bool[count * actions];
            env.Encode(active, features);
            env.ForwardMasks(active, masks);
            var logp = new float[count * actions];
            session.RunPolicy(features, masks, count, logp);
            for (int j = 0; j < count; j++)
            {
                int i = running[j], best = -1;
                float bestScore = float.NegativeInfinity;
                randoms[i].NextStep(multipliers, uniforms);
                for (int a = 0; a < actions; a++)
                {
                    float g = TrajectoryRandom.Gumbel(uniforms[a]);
                    if (!masks[j * actions + a]) continue;
                    float score = logp[j * actions + a] + g;
                    if (best < 0 || score > bestScore) { best = a; bestScore = score; }
                }
                if (best < 0) throw new InvalidOperationException($"The state {env.Format(active.Slice(j * width, width))} has no allowed action.");
                chosen[j] = best;
                logProbabilities[i] += logp[j * actions + best];
                lengths[i]++;
            }
            env.Step(active, chosen.AsSpan(0, count));
            int kept = 0;
            for (int j = 0; j < count; j++)
            {
                int i = running[j];
                active.Slice(j * width, width).CopyTo(states.Slice(i * width, width));
                if (chosen[j] != exit) running[kept++] = i;
            }
            count = kept;
        }
    }
}
