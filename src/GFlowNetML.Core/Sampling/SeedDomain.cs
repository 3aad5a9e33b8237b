namespace GFlowNetML.Sampling;

/// <summary>What a seed derived by <see cref="GFlowNetRandom.Derive"/> is for. Each domain keeps its own formula, so that
/// a seed derived for one purpose never repeats one derived for another, and so that the training runs pinned before the
/// formulas were gathered here draw what they drew.</summary>
public enum SeedDomain
{
    /// <summary>Sample i of a sampling call with seed S: the row seed of <c>SamplerSession.Sample</c>,
    /// <c>GFlowNetSamplerTransformer.Sample</c> and <c>gflownet sample</c> (a non-negative 62-bit value; a row with it in
    /// the ML.NET seed column draws the same object).</summary>
    SampleRow,

    /// <summary>The on-policy evaluation draws of training iteration i (index = the iteration).</summary>
    Evaluation,

    /// <summary>The <c>MLContext</c> seed of tuning trial i (a non-negative 31-bit value).</summary>
    TuningTrial,

    /// <summary>The training seed of a tuning experiment without a seed of its options (index unused; a non-negative
    /// 47-bit value).</summary>
    TuningTraining,

    /// <summary>The mixing constants of the in-graph sample generator (index = the constant's position; a value below 2^29).</summary>
    GraphConstant,
}
