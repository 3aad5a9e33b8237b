using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// A critic V(s) for the policy-gradient methods (V(s_f) = 0, or V(s0) = 0 for backward trajectories): an MLP regressed
/// on the Monte-Carlo reward-to-go, L_V = (1/N)·Σ (Ĝ − V)², stepped with its own Adam, plus the λ-advantages
/// Â_t = Σ_l λ^l (r + V' − V)_{t+l} that the actors use.
/// </summary>
internal sealed class Critic : IDisposable
{
    public Critic(int encodingWidth, GFlowNetTrainerOptions options, GFlowNetRandom initRandom)
    {
        Network = new Mlp(encodingWidth, options.CriticHiddenLayers, options.CriticHiddenWidth, 1, initRandom);
        Optimizer = new Adam([(Network.Flat, options.CriticLearningRate)]);
    }

    public Mlp Network { get; }

    public Adam Optimizer { get; }

    /// <summary>V(s) for every row, without a graph; <paramref name="hidden"/> receives the activations for <see cref="Step"/>.</summary>
    public float[] Values(Tensor features, List<Tensor> hidden)
    {
        using (no_grad()) return TensorData.ToArray(Network.Forward(features, hidden));
    }

    /// <summary>One Adam step on L_V = (1/N)·Σ_rows (Ĝ − V)², so dL_V/dV = 2(V − Ĝ)/N, through the critic's backward products.</summary>
    /// <param name="features">The rows' encoded states.</param>
    /// <param name="hidden">The activations of <see cref="Values"/>.</param>
    /// <param name="values">V of every row.</param>
    /// <param name="returns">Ĝ of every row.</param>
    /// <param name="trajectories">N, the number of trajectories.</param>
    /// <returns>L_V before the step.</returns>
    public double Step(Tensor features, List<Tensor> hidden, float[] values, double[] returns, int trajectories)
    {
        var gradient = new float[values.Length];
        double loss = 0;
        for (int row = 0; row < values.Length; row++)
        {
            double error = values[row] - returns[row];
            loss += error * error;
            gradient[row] = (float)(2 * error / trajectories);
        }
        Optimizer.Step([Network.Backward(features, hidden, TensorData.FromSpan(gradient, values.Length, 1))]);
        return loss / trajectories;
    }

    /// <summary>
    /// λ-advantages and rewards-to-go by one reverse pass over the rows (every row's successor has a larger index):
    /// δ_t = r_t + V(s_{t+1}) − V(s_t) with V = 0 after the last row, Â_t = δ_t + λ·Â_{t+1}, Ĝ_t = r_t + Ĝ_{t+1}.
    /// </summary>
    public static (double[] Advantages, double[] Returns) Advantages(double[] costs, float[] values, int[] rowNext, double lambda)
    {
        int rows = costs.Length;
        var advantages = new double[rows];
        var returns = new double[rows];
        for (int row = rows - 1; row >= 0; row--)
        {
            int next = rowNext[row];
            double delta = costs[row] + (next >= 0 ? values[next] : 0.0) - values[row];
            advantages[row] = delta + (next >= 0 ? lambda * advantages[next] : 0.0);
            returns[row] = costs[row] + (next >= 0 ? returns[next] : 0.0);
        }
        return (advantages, returns);
    }

    /// <summary>The actor coefficients of L = (1/N)·Σ Â_centred·log π: (Â − mean Â)/N (centred over all rows, not scaled).</summary>
    public static double[] CentredCoefficients(double[] advantages, int trajectories)
    {
        double mean = advantages.Length == 0 ? 0 : advantages.Average();
        var coefficients = new double[advantages.Length];
        for (int row = 0; row < advantages.Length; row++) coefficients[row] = (advantages[row] - mean) / trajectories;
        return coefficients;
    }

    public void Dispose()
    {
        Network.Dispose();
        Optimizer.Dispose();
    }
}
