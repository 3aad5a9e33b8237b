namespace GFlowNetML.Tuning;

/// <summary>
/// Grid search: each range takes <c>steps</c> evenly spaced values from its low end to its high end (in log space for a log
/// range), each choice all its values (at the middle of their parts of [0, 1]); the proposals walk the Cartesian product in
/// order, the last dimension fastest, and start over once every point was proposed. <see cref="Update"/> is ignored.
/// </summary>
public sealed class GridSearchTuner : ITuner
{
    private readonly double[][] _axes;
    private long _next;

    /// <summary>A grid-search tuner over <paramref name="searchSpace"/>.</summary>
    /// <param name="searchSpace">The space the points belong to.</param>
    /// <param name="steps">The number of values of each range (at least 2; default 10).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is less than 2.</exception>
    public GridSearchTuner(SearchSpace searchSpace, int steps = 10)
    {
        ArgumentNullException.ThrowIfNull(searchSpace);
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 2 (both ends of every range).");
        _axes = searchSpace.Dimensions.Select(d => d.Kind == SearchDimensionKind.Range
            ? Enumerable.Range(0, steps).Select(j => j / (double)(steps - 1)).ToArray()
            : Enumerable.Range(0, d.Choices.Count).Select(i => (i + 0.5) / d.Choices.Count).ToArray()).ToArray();
        double count = _axes.Aggregate(1.0, (n, axis) => n * axis.Length);
        PointCount = count > long.MaxValue / 2 ? long.MaxValue / 2 : (long)count;
    }

    /// <summary>The number of points of the grid (the product of the axes' lengths; 1 for an empty space).</summary>
    public long PointCount { get; }

    /// <inheritdoc/>
    public double[] Propose(TrialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        long index = _next++ % PointCount;
        var point = new double[_axes.Length];
        for (int i = _axes.Length - 1; i >= 0; i--)
        {
            point[i] = _axes[i][index % _axes[i].Length];
            index /= _axes[i].Length;
        }
        return point;
    }

    /// <inheritdoc/>
    public void Update(TrialResult result) => ArgumentNullException.ThrowIfNull(result);
}
