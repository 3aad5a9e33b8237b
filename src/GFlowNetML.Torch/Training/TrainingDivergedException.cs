namespace GFlowNetML.Torch.Training;

/// <summary>
/// Thrown by <see cref="GFlowNetTrainer.Train"/> when training diverges: a network's weights, log Z or the loss became
/// non-finite or grew beyond <see cref="GFlowNetTrainer.DivergenceLimit"/> (checked after every iteration, before the
/// iteration is evaluated or checkpointed, so the last checkpoint written is a good one). <see cref="Result"/> holds the
/// evaluations made before the divergence; the trainer itself is left diverged and should be disposed.
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="iteration">The iteration whose update diverged.</param>
    /// <param name="quantity">What diverged, e.g. "the policy network's weights grew to 1.2E+030".</param>
    /// <param name="option">The name of the <see cref="GFlowNetTrainerOptions"/> property to lower.</param>
    /// <param name="optionValue">Its value in the run.</param>
    /// <param name="result">The evaluations made before the divergence (<see cref="TrainingResult.Completed"/> false).</param>
    public TrainingDivergedException(long iteration, string quantity, string option, double optionValue, TrainingResult result)
        : base(FormattableString.Invariant($"Training diverged at iteration {iteration}: {quantity}. Lower {option} (now {optionValue:G4})."))
    {
        Iteration = iteration;
        Quantity = quantity;
        Option = option;
        OptionValue = optionValue;
        Result = result;
    }

    /// <summary>The iteration whose update diverged.</summary>
    public long Iteration { get; }

    /// <summary>What diverged and how, in words.</summary>
    public string Quantity { get; }

    /// <summary>The name of the <see cref="GFlowNetTrainerOptions"/> property whose lowering is the usual cure (a learning rate
    /// or the trust region's δ).</summary>
    public string Option { get; }

    /// <summary>The value of <see cref="Option"/> in the run.</summary>
    public double OptionValue { get; }

    /// <summary>The evaluations made before the divergence; <see cref="TrainingResult.Final"/> is the last of them.</summary>
    public TrainingResult Result { get; }
}
