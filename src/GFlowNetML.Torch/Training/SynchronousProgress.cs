namespace GFlowNetML.Torch.Training;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its action on the reporting thread, at once and in order. Unlike
/// <see cref="Progress{T}"/>, which posts each report to the captured synchronisation context or the thread pool, it
/// never reorders reports nor lets one arrive after <see cref="GFlowNetTrainer.Train(IProgress{TrainingProgress}?, CancellationToken)"/>
/// returns; the action runs inside the trainer's loop, so it should be quick.
/// </summary>
/// <typeparam name="T">The report's type (e.g. <see cref="TrainingProgress"/>).</typeparam>
/// <param name="report">Called with every report, on the reporting thread.</param>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    /// <summary>Calls the action with <paramref name="value"/> on this thread.</summary>
    public void Report(T value) => report(value);
}
