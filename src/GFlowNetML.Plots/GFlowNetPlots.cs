using GFlowNetML.Evaluation;

namespace GFlowNetML.Plots;

/// <summary>
/// Pictures of GFlowNet samplers as PNG bytes, each made of panels of <see cref="PanelWidth"/> × <see cref="PanelHeight"/>
/// pixels side by side (what <c>gflownet train --plot</c> and <c>gflownet sample --plot</c> write). Save them with
/// <see cref="Save"/>, or show them in a notebook (e.g. <c>Convert.ToBase64String(png).DisplayAs("image/png")</c>).
/// </summary>
public static class GFlowNetPlots
{
    /// <summary>The width of one panel in pixels.</summary>
    public const int PanelWidth = PlotCanvas.PanelWidth;

    /// <summary>The height of every picture in pixels.</summary>
    public const int PanelHeight = PlotCanvas.PanelHeight;

    /// <summary>
    /// A distribution over an enumerated space against the space's target R/Z*: for a 2-D hyper-grid three heat maps (the
    /// distribution and the target on one colour scale, and their difference); for the DAG task the edge marginals P(i→j)
    /// of the exact posterior beside the distribution's; for any other space a rank plot (every object's target probability
    /// by rank, and the distribution's probability of the same object, log scale) beside a scatter of the two.
    /// </summary>
    /// <param name="space">The enumerated space (<see cref="StateSpace.Enumerate"/>).</param>
    /// <param name="distribution">One probability per terminal state, aligned with <see cref="StateSpace.Terminals"/>: e.g. a
    /// trainer's exact terminating distribution, or the empirical frequencies of samples.</param>
    /// <param name="name">What the distribution is, for titles and legends (default "learned P_T(x)").</param>
    /// <exception cref="ArgumentException"><paramref name="distribution"/> does not have one value per terminal state.</exception>
    public static byte[] Distribution(StateSpace space, double[] distribution, string name = "learned P_T(x)")
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(distribution);
        if (distribution.Length != space.Terminals.Length)
            throw new ArgumentException($"The distribution has {distribution.Length} values; the space has {space.Terminals.Length} terminal states.", nameof(distribution));
        return PlotCanvas.Png(DistributionPlots.AgainstTarget(space, distribution, name));
    }

    /// <summary>The histogram of <paramref name="logRewards"/> (one panel), with the top-k mean reward and the largest reward
    /// marked when <paramref name="metrics"/> is given.</summary>
    /// <param name="logRewards">log R(x) of sampled objects (at least one, all finite).</param>
    /// <param name="metrics">The samples' metrics (<see cref="SampledMetrics.Compute"/>), or null.</param>
    /// <param name="what">What the objects are, for the title and legend (default "samples").</param>
    /// <exception cref="ArgumentException"><paramref name="logRewards"/> is empty or holds a non-finite value.</exception>
    public static byte[] RewardHistogram(double[] logRewards, SampledMetrics? metrics = null, string what = "samples")
    {
        ArgumentNullException.ThrowIfNull(logRewards);
        if (logRewards.Length == 0 || !logRewards.All(double.IsFinite))
            throw new ArgumentException("The histogram needs at least one log-reward, all finite.", nameof(logRewards));
        return PlotCanvas.Png([DistributionPlots.RewardHistogram(logRewards, metrics, what)]);
    }

    /// <summary>A training run's curves (two panels): the evaluations against trajectories — exact TV, JSD and
    /// |log Z − log Z*| on a log axis where every point is exact, else the sampled mean log-reward and top-k mean reward —
    /// and the mean training loss (and the critic's, where there is one) on a log axis.</summary>
    /// <param name="title">The first panel's title, e.g. the environment's description (wrapped at commas).</param>
    /// <param name="points">The evaluations in order (at least one).</param>
    /// <exception cref="ArgumentException"><paramref name="points"/> is empty.</exception>
    public static byte[] TrainingCurves(string title, IReadOnlyList<CurvePoint> points)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("The curves need at least one point.", nameof(points));
        return PlotCanvas.Png(CurvePlots.Panels(title, points));
    }

    /// <summary>Writes a picture to <paramref name="path"/> (to a temporary name, then renamed, so a reader never sees half a
    /// file); returns the path.</summary>
    public static string Save(string path, byte[] png)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(png);
        return PlotCanvas.Save(path, png);
    }
}
