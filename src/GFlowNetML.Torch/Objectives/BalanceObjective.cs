using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// The balance losses TB, DB and SubTB: squared residuals of sums of log π_F, log π_B, log F (and log Z or log R) along a
/// trajectory. Each is a function of the per-row quantities only, so a subclass supplies the loss and its derivatives with
/// respect to them (<see cref="Derivatives"/>, on the host in double precision) and this class pushes them through the
/// networks: the forward policy (from its sampling activations), the learned backward policy and the log-flow head
/// (from one forward pass each), then one Adam step each. Works with ε-noisy sampling (the loss uses the un-noised π_F).
/// </summary>
internal abstract class BalanceObjective : TrainingObjective
{
    private readonly BackwardPolicy _backward;
    private readonly Mlp? _flow;
    private readonly Adam? _flowOptimizer;

    /// <param name="context">The shared training state.</param>
    /// <param name="learnsFlow">Whether the loss has a state-flow head log F(s) (DB, SubTB).</param>
    protected BalanceObjective(TrainingContext context, bool learnsFlow) : base(context)
    {
        var o = context.Options;
        _backward = BackwardPolicy.Create(context.Environment, o, context.InitRandom);
        if (learnsFlow)
        {
            _flow = new Mlp(context.Environment.EncodingWidth, o.PolicyHiddenLayers, o.PolicyHiddenWidth, 1, context.InitRandom);
            _flowOptimizer = new Adam([(_flow.Flat, o.PolicyLearningRate)]);
        }
    }

    public override bool RequiresOnPolicy => false;

    public override IReadOnlyList<Mlp> Networks => [.. _backward.Networks, .. _flow is null ? Array.Empty<Mlp>() : [_flow]];

    public override IReadOnlyList<Adam> Optimizers => [.. _backward.Optimizers, .. _flowOptimizer is null ? Array.Empty<Adam>() : [_flowOptimizer]];

    /// <summary>The per-row inputs of a balance loss and the derivatives the loss writes back.</summary>
    /// <param name="Batch">The batch.</param>
    /// <param name="LogPF">log π_F(a_row|s_row) per row (the exit included).</param>
    /// <param name="LogPB">log π_B(s_row|s_next) per row (0 on exit rows).</param>
    /// <param name="LogF">log F(s_row) per row (empty without a flow head).</param>
    /// <param name="LogR">max(log R(x), clamp) per trajectory.</param>
    /// <param name="LogZ">The current log Z.</param>
    internal sealed record Inputs(TrajectoryBatch Batch, double[] LogPF, double[] LogPB, double[] LogF, double[] LogR, double LogZ);

    /// <summary>A loss value and its derivatives with respect to every input quantity.</summary>
    internal sealed record Gradient(double Loss, double[] LogPF, double[] LogPB, double[] LogF, double LogZ);

    /// <summary>The loss and its derivatives (what subclasses define; the tests check them against hand derivations).</summary>
    internal abstract Gradient Derivatives(Inputs inputs);

    /// <summary>Whether the loss uses log Z (TB); otherwise log Z is read off the flow at s0 after each update.</summary>
    protected virtual bool UsesLogZ => false;

    public override bool StepsLogZ => UsesLogZ;

    public override double Update(TrajectoryBatch batch)
    {
        int rows = batch.RowCount, size = batch.Size;
        var features = TorchPolicy.Features(batch);
        var logPF = Array.ConvertAll(batch.ActionLogProbabilities(), v => (double)v);
        double[] logPB = _backward.Evaluate(batch, features, forGradient: true);
        var flowHidden = new List<Tensor>();
        double[] logF = [];
        if (_flow is not null)
            using (no_grad()) logF = TensorData.ToArray(_flow.Forward(features, flowHidden)).Select(v => (double)v).ToArray();
        var logR = new double[size];
        for (int n = 0; n < size; n++) logR[n] = ClampedLogReward(batch.LogRewards[n]);
        var d = Derivatives(new Inputs(batch, logPF, logPB, logF, logR, Context.LogZ.detach().item<float>()));

        if (_flow is not null)
        {
            var outputGradient = d.LogF.Select(v => (float)v).ToArray();
            _flowOptimizer!.Step([_flow.Backward(features, flowHidden, TensorData.FromSpan(outputGradient, rows, 1))]);
        }
        _backward.Step(d.LogPB);
        if (UsesLogZ) StepPolicy(batch, features, d.LogPF, d.LogZ);
        else
        {
            Context.PolicyOptimizer.Step([Context.Policy.Gradients(batch, features, d.LogPF), null]);
            // The flow's log Z is F(s0): read it off after the step, so that evaluations report the current value.
            using var _ = no_grad();
            using var logZ = TensorData.ToArray(_flow!.Forward(features.narrow(0, 0, 1)))[0].ToScalar(); // alive through the native call
            Context.LogZ.fill_(logZ);
        }
        return d.Loss;
    }

    public override void Dispose()
    {
        _backward.Dispose();
        _flow?.Dispose();
        _flowOptimizer?.Dispose();
    }
}
