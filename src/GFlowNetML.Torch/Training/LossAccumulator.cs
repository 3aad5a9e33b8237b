namespace GFlowNetML.Torch.Training;

/// <summary>The training losses summed over the iterations since the last recorded evaluation, so that each
/// <see cref="EvaluationRecord"/> carries their means; kept in checkpoints so that a resumed run records the same means.</summary>
internal struct LossAccumulator
{
    /// <summary>Σ of the iterations' losses.</summary>
    public double LossSum { get; set; }

    /// <summary>Σ of the iterations' critic losses (methods with a critic).</summary>
    public double CriticLossSum { get; set; }

    /// <summary>The number of iterations summed.</summary>
    public long Count { get; set; }

    /// <summary>Adds one iteration's losses (<paramref name="criticLoss"/> NaN where the method has no critic).</summary>
    public void Add(double loss, double criticLoss)
    {
        LossSum += loss;
        CriticLossSum += criticLoss;
        Count++;
    }

    /// <summary>The mean loss; NaN when no iteration was added.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public readonly double MeanLoss => Count == 0 ? double.NaN : LossSum / Count;

    /// <summary>The mean critic loss; NaN when no iteration was added or the method has no critic.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public readonly double MeanCriticLoss => Count == 0 ? double.NaN : CriticLossSum / Count;
}
