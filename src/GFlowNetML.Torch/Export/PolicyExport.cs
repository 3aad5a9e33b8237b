using GFlowNetML.Evaluation;
using GFlowNetML.Models;
using GFlowNetML.Torch.Checkpoints;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Export;

/// <summary>A trained forward policy as plain arrays with the run it came from.</summary>
/// <param name="Policy">The forward policy π_F.</param>
/// <param name="Training">How it was trained.</param>
/// <param name="EnvironmentDescription">The description of the environment it was trained on.</param>
public sealed record ExportedPolicy(PolicyWeights Policy, TrainingSummary Training, string EnvironmentDescription);

/// <summary>
/// Exports the forward policy of a <see cref="GFlowNetTrainer"/> or of a checkpoint folder to Core-level plain arrays
/// (<see cref="PolicyWeights"/>: W as [out, in], ReLU between layers), which the ONNX sampler model stores.
/// </summary>
public static class PolicyExport
{
    /// <summary>The trainer's current forward policy and a summary of its run.</summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="final">The final evaluation to record (e.g. <see cref="TrainingResult.Final"/>); null takes the latest
    /// evaluation of the trainer's history, if any.</param>
    public static ExportedPolicy FromTrainer(GFlowNetTrainer trainer, EvaluationRecord? final = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        var network = trainer.Networks[0];
        var policy = PolicyWeights.FromArrays(network.Sizes, network.ExportWeights());
        var options = trainer.Options;
        var summary = Summary(options, trainer.Iteration, trainer.Trajectories, final ?? trainer.History.LastOrDefault());
        return new ExportedPolicy(policy, summary, trainer.Environment.Description);
    }

    /// <summary>The forward policy saved in a checkpoint folder (<c>checkpoint.gfn</c>, as <c>gflownet train
    /// --checkpoint-every</c> or <see cref="GFlowNetTrainer.SaveCheckpoint(string)"/> write it).</summary>
    /// <exception cref="FileNotFoundException">The folder holds no checkpoint.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is corrupt or lacks the policy.</exception>
    public static ExportedPolicy FromCheckpoint(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var checkpoint = TrainingCheckpoint.Load(directory);
        var header = checkpoint.Header;
        if (!checkpoint.Tensors.TryGetValue("policy", out var arrays) || arrays.Length < 2 || arrays.Length % 2 != 0)
            throw new InvalidDataException($"The checkpoint '{TrainingCheckpoint.PathIn(directory)}' holds no forward policy.");
        // Widths from the arrays: layer l has |b_l| outputs and |W_l| / |b_l| inputs.
        var sizes = new List<int>();
        for (int l = 0; l < arrays.Length / 2; l++)
        {
            int outputs = arrays[2 * l + 1].Length;
            if (outputs == 0 || arrays[2 * l].Length % outputs != 0)
                throw new InvalidDataException($"The checkpoint '{TrainingCheckpoint.PathIn(directory)}' has a malformed policy layer {l}.");
            if (l == 0) sizes.Add(arrays[0].Length / outputs);
            sizes.Add(outputs);
        }
        PolicyWeights policy;
        try { policy = PolicyWeights.FromArrays(sizes, arrays); }
        catch (ArgumentException e) { throw new InvalidDataException($"The checkpoint '{TrainingCheckpoint.PathIn(directory)}' has a malformed policy: {e.Message}", e); }
        var summary = Summary(header.Options, header.Iteration, header.Trajectories, header.History.LastOrDefault());
        return new ExportedPolicy(policy, summary, header.Environment);
    }

    private static TrainingSummary Summary(GFlowNetTrainerOptions options, long iterations, long trajectories, EvaluationRecord? final)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (final is not null)
        {
            metrics[GFlowNetMetric.ExactTotalVariation.MetadataKey!] = final.ExactTotalVariation;
            metrics[GFlowNetMetric.JensenShannon.MetadataKey!] = final.JensenShannon;
            metrics[GFlowNetMetric.LogZ.MetadataKey!] = final.LogZ;
            metrics[GFlowNetMetric.TrueLogZ.MetadataKey!] = final.TrueLogZ;
            metrics[GFlowNetMetric.ModesFound.MetadataKey!] = final.ModesFound;
            metrics[GFlowNetMetric.Iteration.MetadataKey!] = final.Iteration;
            if (final.Sampled is { } sampled)
            {
                // Spaces too large to enumerate: the exact fields are NaN (and left out of the file); these describe the run.
                metrics[GFlowNetMetric.MeanReward.MetadataKey!] = sampled.MeanReward;
                metrics[GFlowNetMetric.TopKMeanReward.MetadataKey!] = sampled.TopKMeanReward;
                metrics[GFlowNetMetric.TopK.MetadataKey!] = sampled.TopK;
                metrics[GFlowNetMetric.UniqueModes.MetadataKey!] = sampled.UniqueModes;
                metrics[GFlowNetMetric.Diversity.MetadataKey!] = sampled.Diversity;
            }
        }
        return new TrainingSummary(options.Method.ToVariantName(options.LearnBackwardPolicy), options.Seed, iterations, trajectories, metrics);
    }
}
