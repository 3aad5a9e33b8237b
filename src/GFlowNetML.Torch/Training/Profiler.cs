using GFlowNetML.Torch.Networks;

namespace GFlowNetML.Torch.Training;

/// <summary>The trainer's running record behind <see cref="TrainingProfile"/>: times per phase and each network's traced
/// calls, kept apart for the sampling and the update of every iteration.</summary>
internal sealed class Profiler(int networks)
{
    private readonly List<(long Rows, MlpWork Work)>[] _sampling = Enumerable.Range(0, networks).Select(_ => new List<(long, MlpWork)>()).ToArray();
    private readonly List<(long Rows, MlpWork Work)>[] _update = Enumerable.Range(0, networks).Select(_ => new List<(long, MlpWork)>()).ToArray();
    private long _iterations, _trajectories;
    private TimeSpan _samplingTime, _updateTime, _processor;

    /// <summary>Routes every network's calls from now on to the sampling or the update record.</summary>
    public void Trace(IReadOnlyList<Mlp> networks, bool sampling)
    {
        for (int k = 0; k < networks.Count; k++) networks[k].Trace = (sampling ? _sampling : _update)[k];
    }

    /// <summary>Stops recording the networks' calls (evaluations outside the iterations are not profiled).</summary>
    public void StopTracing(IReadOnlyList<Mlp> networks)
    {
        foreach (var network in networks) network.Trace = null;
    }

    /// <summary>Counts one finished iteration.</summary>
    public void Add(long trajectories, TimeSpan sampling, TimeSpan update, TimeSpan processor)
    {
        _iterations++;
        _trajectories += trajectories;
        _samplingTime += sampling;
        _updateTime += update;
        _processor += processor;
    }

    /// <summary>The record so far, with each traced call expanded into its matrix products.</summary>
    public TrainingProfile Report(IReadOnlyList<int[]> sizes)
    {
        var products = new List<MatrixProduct>();
        for (int k = 0; k < sizes.Count; k++)
        {
            foreach (var (rows, work) in _sampling[k]) TrainingProfile.AddProducts(products, sizes[k], rows, work, sampling: true);
            foreach (var (rows, work) in _update[k]) TrainingProfile.AddProducts(products, sizes[k], rows, work, sampling: false);
        }
        long sampledStates = _sampling[0].Where(t => t.Work == MlpWork.Forward).Sum(t => t.Rows);
        return new TrainingProfile(_iterations, _trajectories, _samplingTime, _updateTime, _processor, sampledStates, products);
    }
}
