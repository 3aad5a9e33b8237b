namespace GFlowNetML.Tuning;

/// <summary>
/// A tuner in ML.NET's AutoML shape: the experiment asks it for a point of the search space for each trial
/// (<see cref="Propose"/>) and tells it how the trial went (<see cref="Update"/>). A point is a vector of unit coordinates,
/// one per dimension of the <see cref="SearchSpace"/> the tuner was made for; lower loss is better.
/// </summary>
public interface ITuner
{
    /// <summary>The point to try in trial <see cref="TrialSettings.TrialId"/>: one coordinate in [0, 1] per dimension.</summary>
    double[] Propose(TrialSettings settings);

    /// <summary>The outcome of a proposed point; a failed trial has loss +∞.</summary>
    void Update(TrialResult result);
}

/// <summary>What a tuner is told about the trial it proposes for.</summary>
/// <param name="TrialId">The trial's number, from 0.</param>
public sealed record TrialSettings(int TrialId);

/// <summary>The outcome of a trial, as a tuner sees it.</summary>
/// <param name="Settings">The trial.</param>
/// <param name="Parameter">The point that was tried (unit coordinates).</param>
/// <param name="Loss">The metric to minimise; +∞ for a failed trial.</param>
/// <param name="Seconds">The trial's wall-clock seconds.</param>
public sealed record TrialResult(TrialSettings Settings, IReadOnlyList<double> Parameter, double Loss, double Seconds);
