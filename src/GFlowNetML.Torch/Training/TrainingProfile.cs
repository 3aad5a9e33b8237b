using GFlowNetML.Torch.Networks;

namespace GFlowNetML.Torch.Training;

/// <summary>
/// What the iterations of a trainer cost since <see cref="GFlowNetTrainer.StartProfiling"/>: wall time split into the
/// sampling of the training batches and the updates, the process's CPU time over the same iterations, and every matrix
/// product of their network passes with its shape (what dominates the cost: a replay of them timed on its own is the
/// floor that no implementation of the same work beats). Evaluations and checkpoints are not counted.
/// </summary>
public sealed class TrainingProfile
{
    internal TrainingProfile(long iterations, long trajectories, TimeSpan sampling, TimeSpan update, TimeSpan processor, long sampledStates,
        IReadOnlyList<MatrixProduct> products)
    {
        Iterations = iterations;
        Trajectories = trajectories;
        SamplingTime = sampling;
        UpdateTime = update;
        ProcessorTime = processor;
        SampledStates = sampledStates;
        Products = products;
    }

    /// <summary>The iterations profiled.</summary>
    public long Iterations { get; }

    /// <summary>The trajectories sampled in them.</summary>
    public long Trajectories { get; }

    /// <summary>Wall time spent sampling the training batches (no gradients).</summary>
    public TimeSpan SamplingTime { get; }

    /// <summary>Wall time spent in the updates: losses, backward passes, optimizer steps.</summary>
    public TimeSpan UpdateTime { get; }

    /// <summary>Wall time of the iterations, <see cref="SamplingTime"/> + <see cref="UpdateTime"/>.</summary>
    public TimeSpan WallTime => SamplingTime + UpdateTime;

    /// <summary>CPU time of the whole process (every thread) over the profiled iterations.</summary>
    public TimeSpan ProcessorTime { get; }

    /// <summary>The states the forward policy was evaluated on while sampling (trajectory steps, exits included).</summary>
    public long SampledStates { get; }

    /// <summary>The mean number of steps per sampled trajectory.</summary>
    public double MeanTrajectoryLength => Trajectories == 0 ? 0 : SampledStates / (double)Trajectories;

    /// <summary>Every matrix product of the profiled iterations, network by network (the forward policy first), each
    /// network's sampling products before its update products.</summary>
    public IReadOnlyList<MatrixProduct> Products { get; }

    /// <summary>The floating-point operations of <see cref="Products"/>.</summary>
    public double Flops => Products.Sum(p => p.Flops);

    /// <summary>The products one traced network call implies: every layer's forward product; with a backward pass also
    /// every layer's weight gradient and, but for the first layer, its input gradient; for a forward-mode pass every
    /// layer's product with its weight direction and, but for the first layer, with its weights.</summary>
    internal static void AddProducts(List<MatrixProduct> products, int[] sizes, long rows, MlpWork work, bool sampling)
    {
        for (int l = 0; l + 1 < sizes.Length; l++)
        {
            long i = sizes[l], o = sizes[l + 1];
            if (work == MlpWork.JacobianVector)
            {
                products.Add(new(rows, i, o, false, true, sampling));                        // h_in · dWᵀ
                if (l > 0) products.Add(new(rows, i, o, false, true, sampling));             // dh_in · Wᵀ
                continue;
            }
            if (work != MlpWork.Backward) products.Add(new(rows, i, o, false, true, sampling)); // forward: [r, i] × Wᵀ
            if (work == MlpWork.Forward) continue;
            products.Add(new(o, rows, i, true, false, sampling));                              // weight gradient: gᵀ · h_in
            if (l > 0) products.Add(new(rows, o, i, false, false, sampling));                  // input gradient: g · W
        }
    }
}
